import { ApiError } from '../../api/errors.ts';
import type { WireError } from './openai-wire.ts';

/** Failure codes that mean the request itself was refused: retrying it cannot help. */
const REQUEST_FAULTS = new Set([
  'invalid_prompt',
  'invalid_request_error',
  'context_length_exceeded',
  'bio_policy',
  'data_residency_mismatch',
]);

/**
 * A failure OpenAI reported inside a stream (`response.failed` or an `error` event) as an
 * ApiError: rate limits stay 429, refused requests 400, everything else a retryable 502.
 */
export function mapOpenAiError(provider: string, error: WireError): ApiError {
  const code = error.code ?? null;
  const message = `${provider} upstream failed: ${error.message}`;
  const param = error.param ?? null;
  if (code === 'rate_limit_exceeded' || code === 'rate_limit_error') {
    return new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      message,
      param,
    });
  }
  if (code && (REQUEST_FAULTS.has(code) || code.includes('image'))) {
    return new ApiError({ status: 400, type: 'invalid_request_error', code, message, param });
  }
  return new ApiError({
    status: 502,
    type: 'upstream_error',
    code: code ?? 'upstream_error',
    message,
    param,
    retryable: true,
  });
}

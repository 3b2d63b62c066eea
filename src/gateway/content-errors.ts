import { ApiError } from '../api/errors.ts';
import type { ContentCheck } from './content-policies.ts';

/** Cloudflare's DLP errors: a 400, code 2029 for a request, 2030 for a response, on every endpoint. */
export function dlpBlocked(check: ContentCheck, policies: readonly string[]): ApiError {
  const what = check === 'request' ? 'request' : 'response';
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: check === 'request' ? '2029' : '2030',
    message: `The ${what} was blocked by the gateway's Data Loss Prevention policy (${policies.map((id) => `'${id}'`).join(', ')}): it holds sensitive data.`,
  });
}

/**
 * Cloudflare's Guardrails errors: 424 with code 2016 (prompt) or 2017 (response) on provider
 * endpoints; the `/run` API (ai/run and the binding) answers 422 with 2017 for both.
 */
export function guardrailsBlocked(check: ContentCheck, runApi: boolean): ApiError {
  const prompt = check === 'request';
  return new ApiError({
    status: runApi ? 422 : 424,
    type: 'invalid_request_error',
    code: prompt && !runApi ? '2016' : '2017',
    message: `${prompt ? 'Prompt' : 'Response'} blocked due to security configurations.`,
  });
}

/** The classifier could not be reached while a category would block: Cloudflare's 503, code 7013. */
export function guardrailsUnavailable(): ApiError {
  return new ApiError({
    status: 503,
    type: 'server_error',
    code: '7013',
    message: 'The Guardrails classifier is unavailable, and the gateway blocks on some categories.',
    retryable: false,
  });
}

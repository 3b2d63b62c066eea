import { ANTHROPIC_ERROR_STATUS } from '../../api/anthropic-answer.ts';
import type { ApiError } from '../../api/errors.ts';
import { upstreamHttpError } from '../http/upstream-error.ts';

/** The HTTP status Anthropic gives each error type, so a streamed error maps like an HTTP one. */
const STATUS: Readonly<Record<string, number>> = ANTHROPIC_ERROR_STATUS;

/** An `error` event that arrived after the 200 (overloaded, ...) as an ApiError. */
export function anthropicStreamError(
  provider: string,
  error: { type: string; message?: string | null | undefined },
): ApiError {
  return upstreamHttpError(provider, STATUS[error.type] ?? 500, new Headers(), JSON.stringify({ error }));
}

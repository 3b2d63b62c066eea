import { ApiError } from '../../api/errors.ts';

/** OpenAI-style secret keys, whole or masked as OpenAI echoes them (`sk-proj-abc***wxyz`). */
const KEY_LIKE = /\b(?:sk|rk)-[A-Za-z0-9_*-]{3,}/g;

/**
 * An error whose message carries neither the provider's key nor the masked form of it that
 * OpenAI puts in its 401 answers: a client of Portico has no business seeing either.
 */
export function hideApiKeys(error: ApiError, apiKey: string | undefined): ApiError {
  const message = (apiKey ? error.message.split(apiKey).join('[redacted]') : error.message).replace(
    KEY_LIKE,
    '[redacted]',
  );
  if (message === error.message) return error;
  return new ApiError({
    status: error.status,
    type: error.type,
    message,
    code: error.code,
    param: error.param,
    retryable: error.retryable,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
  });
}

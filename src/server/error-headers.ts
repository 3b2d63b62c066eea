import type { Context } from 'hono';
import type { ApiError } from '../api/errors.ts';
import { failureIds } from '../gateway/log-request.ts';
import type { AppEnv } from './app-env.ts';
import { setAnswerHeader } from './send-answer.ts';

/** The headers of an error answer, in any shape: when to retry, and the failed request's ids. */
export function setErrorHeaders(c: Context<AppEnv>, thrown: unknown, error: ApiError): void {
  if (error.retryAfter !== undefined) setAnswerHeader(c, 'retry-after', String(error.retryAfter));
  const ids = failureIds(thrown);
  if (ids) setAnswerHeader(c, 'cf-aig-request-id', ids.requestId);
  if (ids?.logId) setAnswerHeader(c, 'cf-aig-log-id', ids.logId);
}

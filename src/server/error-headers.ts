import type { Context } from 'hono';
import type { ApiError } from '../api/errors.ts';
import { failureLogId } from '../gateway/log-request.ts';
import type { AppEnv } from './app-env.ts';
import { setAnswerHeader } from './send-answer.ts';

/** The headers of an error answer, in any shape: when to retry, and the failed request's log entry. */
export function setErrorHeaders(c: Context<AppEnv>, thrown: unknown, error: ApiError): void {
  if (error.retryAfter !== undefined) setAnswerHeader(c, 'retry-after', String(error.retryAfter));
  const logId = failureLogId(thrown);
  if (logId) setAnswerHeader(c, 'cf-aig-log-id', logId);
}

import { clip, LIMITS } from './limits.ts';

/** The one error type of Portico: rendered as the OpenAI error object on every route. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'upstream_error';

export interface ApiErrorInit {
  status: number;
  type: ApiErrorType;
  message: string;
  code?: string | null;
  param?: string | null;
  /** Seconds the client should wait before retrying, sent as `retry-after`. */
  retryAfter?: number;
  /** Whether a retry of the same request may succeed (upstream 5xx, 429, timeouts). */
  retryable?: boolean;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly retryable: boolean;

  /** The message and param are cut short: neither may carry a client's huge value back to it. */
  constructor(init: ApiErrorInit) {
    super(clip(init.message, LIMITS.messageChars));
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param == null ? null : clip(init.param, LIMITS.messageChars / 4);
    this.retryAfter = init.retryAfter;
    this.retryable = init.retryable ?? (init.status === 429 || init.status >= 500);
  }

  toJSON(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function badRequest(param: string | null, message: string, code: string | null = null): ApiError {
  return new ApiError({ status: 400, type: 'invalid_request_error', message, param, code });
}

/** A 401: the caller gave no usable key. Never retried. */
export function unauthorized(message: string, code: string): ApiError {
  return new ApiError({ status: 401, type: 'authentication_error', code, message, retryable: false });
}

/** A 403: the caller is known but may not do this. Never retried. */
export function forbidden(message: string, code: string, param: string | null = null): ApiError {
  return new ApiError({ status: 403, type: 'permission_error', message, code, param, retryable: false });
}

export function notFound(message: string, code: string | null = null, param: string | null = null): ApiError {
  return new ApiError({ status: 404, type: 'invalid_request_error', message, param, code });
}

export const SERVER_ERROR = 'The server had an error while processing your request';

export function serverError(message = `${SERVER_ERROR}.`): ApiError {
  return new ApiError({ status: 500, type: 'server_error', message, code: 'server_error' });
}

/** A 503 `server_shutting_down`: Portico stopped, or never began, this work because it is shutting down. */
export function shuttingDown(message: string): ApiError {
  return new ApiError({ status: 503, type: 'server_error', code: 'server_shutting_down', message });
}

/** Any thrown value as an ApiError; unknown failures never leak their message or stack. */
export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : serverError();
}

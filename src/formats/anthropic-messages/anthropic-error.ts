import {
  ANTHROPIC_ERROR_STATUS,
  type AnthropicErrorBody,
  type AnthropicErrorType,
} from '../../api/anthropic-answer.ts';
import type { ApiError } from '../../api/errors.ts';

const TYPE_OF_STATUS = new Map<number, AnthropicErrorType>(
  Object.entries(ANTHROPIC_ERROR_STATUS).map(([type, status]) => [status, type as AnthropicErrorType]),
);

/** The error type Anthropic gives an HTTP status; a busy Portico (503) is overloaded, as Anthropic's 529. */
function errorType(status: number): AnthropicErrorType {
  if (status === 503) return 'overloaded_error';
  return TYPE_OF_STATUS.get(status) ?? (status < 500 ? 'invalid_request_error' : 'api_error');
}

/**
 * An error in Anthropic's shape. It has no `param`: the message names the parameter (already
 * in the client's terms) where it does not say it itself.
 */
export function anthropicErrorBody(error: ApiError): AnthropicErrorBody {
  const { param } = error;
  const message =
    param !== null && !error.message.includes(param) ? `${param}: ${error.message}` : error.message;
  return { type: 'error', error: { type: errorType(error.status), message } };
}

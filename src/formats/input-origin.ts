import { ApiError } from '../api/errors.ts';

/**
 * Where an input item came from in a request of another wire format: its message's path, and
 * how the item's own fields are spelled there. Engine errors that name `input[i].field` are
 * renamed with it.
 */
export interface InputOrigin {
  path: string;
  fields: Readonly<Record<string, string>>;
  /** For each of the item's content parts, the index of the block it came from, where the two differ. */
  parts?: readonly number[];
}

/**
 * A Responses parameter inside `input` (`input[3].content[1]`) as the client's own path;
 * `whole` where the item has no origin. Undefined for a parameter outside `input`.
 */
export function inputParam(
  param: string,
  origins: readonly InputOrigin[],
  whole: string,
): string | undefined {
  const input = /^input\[(\d+)\](?:\.([a-z_]+))?(.*)$/.exec(param);
  if (!input) return undefined;
  const origin = origins[Number(input[1])];
  if (!origin) return whole;
  const field = input[2] ? `.${origin.fields[input[2]] ?? input[2]}` : '';
  let rest = input[3] ?? '';
  const parts = origin.parts;
  if (input[2] === 'content' && parts)
    rest = rest.replace(/^\[(\d+)\]/, (all, index: string) => `[${parts[Number(index)] ?? index}]`);
  return `${origin.path}${field}${rest}`;
}

/**
 * An error that names a parameter, renamed into a client's own terms (`rename`), in its message
 * too where that starts with the parameter (`input[1].content[0]: ...`); other errors as they are.
 */
export function renameErrorParam(error: unknown, rename: (param: string) => string): unknown {
  if (!(error instanceof ApiError) || error.param === null) return error;
  const param = rename(error.param);
  if (param === error.param) return error;
  const named = `${error.param}: `;
  return new ApiError({
    status: error.status,
    type: error.type,
    code: error.code,
    param,
    message: error.message.startsWith(named)
      ? `${param}: ${error.message.slice(named.length)}`
      : error.message,
    retryable: error.retryable,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
  });
}

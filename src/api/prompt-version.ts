import { badRequest } from './errors.ts';
import { clip } from './limits.ts';

/**
 * A version number as a query gives it (`?version=2`, a versions list's `after`): a positive
 * integer, else a 400 naming `param`.
 */
export function parsePromptVersion(text: string, param: string): number {
  const version = /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(version))
    throw badRequest(param, `${param} must be a positive integer (a version number), not '${clip(text)}'.`);
  return version;
}

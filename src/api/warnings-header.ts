/** The response header that tells a client what of its request was dropped or ignored. */
export const WARNINGS_HEADER = 'x-portico-warnings';

/** Longest header value sent; the log keeps every warning in full. */
export const MAX_WARNINGS_HEADER_LENGTH = 1024;

/**
 * The warnings as one header value: `; `-separated, printable ASCII only (anything else
 * becomes `?`, and a `;` inside a warning a `,`), cut at MAX_WARNINGS_HEADER_LENGTH. No
 * header at all when there is nothing to say.
 */
export function warningsHeader(warnings: readonly string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  const value = warnings
    .map((warning) => warning.replace(/[^\x20-\x7e]/g, '?').replace(/;/g, ','))
    .join('; ');
  return {
    [WARNINGS_HEADER]:
      value.length > MAX_WARNINGS_HEADER_LENGTH
        ? `${value.slice(0, MAX_WARNINGS_HEADER_LENGTH - 3)}...`
        : value,
  };
}

import type { LogEntry } from './log-store.ts';

/**
 * The most characters of an entry's text that search reads: the words of a long conversation
 * past this are not found, and the index stays a bounded size per entry.
 */
export const SEARCH_TEXT_CHARS = 32_768;

/** A run of what separates words (WORD's complement): one pass turns a text into its words. */
const SEPARATORS = /[^\p{L}\p{N}]+/gu;

/**
 * What a search reads of an entry: its ids, model, provider, path, metadata keys and values,
 * error message and the text of its kept request and response bodies (each string in them,
 * data URLs skipped), lower-cased as words separated by single spaces and cut at
 * SEARCH_TEXT_CHARS. The strings are gathered first and split into words once: this runs for
 * every log written, and a split per string cost several times more.
 */
export function logSearchText(entry: LogEntry): string {
  const parts: string[] = [];
  let length = 0;
  const add = (value: string) => {
    parts.push(value);
    length += value.length + 1;
  };
  for (const value of [entry.id, entry.responseId, entry.eventId, entry.model, entry.provider, entry.path])
    if (value) add(value);
  for (const [key, value] of Object.entries(entry.metadata)) add(`${key} ${String(value)}`);
  if (entry.errorMessage) add(entry.errorMessage);
  const strings = (value: unknown): void => {
    if (length >= SEARCH_TEXT_CHARS) return;
    if (typeof value === 'string') {
      if (!value.startsWith('data:')) add(value);
    } else if (Array.isArray(value)) for (const item of value) strings(item);
    else if (value !== null && typeof value === 'object')
      for (const item of Object.values(value)) strings(item);
  };
  strings(entry.requestBody);
  strings(entry.responseBody);
  // Cut before the split at twice the bound (the split only shortens a text), then at the bound.
  const text = parts
    .join(' ')
    .slice(0, 2 * SEARCH_TEXT_CHARS)
    .toLowerCase()
    .replace(SEPARATORS, ' ')
    .trim();
  return text.slice(0, SEARCH_TEXT_CHARS);
}

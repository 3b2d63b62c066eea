import { WORD } from '../api/log-search-words.ts';
import type { LogEntry } from './log-store.ts';

/**
 * The most characters of an entry's text that search reads: the words of a long conversation
 * past this are not found, and the index stays a bounded size per entry.
 */
export const SEARCH_TEXT_CHARS = 32_768;

/**
 * What a search reads of an entry: its ids, model, provider, path, metadata keys and values,
 * error message and the text of its kept request and response bodies (each string in them,
 * data URLs skipped), lower-cased as words separated by single spaces and cut at
 * SEARCH_TEXT_CHARS.
 */
export function logSearchText(entry: LogEntry): string {
  const parts: string[] = [];
  let length = 0;
  const add = (value: unknown) => {
    if (length >= SEARCH_TEXT_CHARS || value === null || value === undefined) return;
    const words = String(value).toLowerCase().match(WORD);
    if (!words) return;
    const text = words.join(' ');
    parts.push(text);
    length += text.length + 1;
  };
  for (const value of [entry.id, entry.responseId, entry.eventId, entry.model, entry.provider, entry.path])
    add(value);
  for (const [key, value] of Object.entries(entry.metadata)) add(`${key} ${String(value)}`);
  add(entry.errorMessage);
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
  return parts.join(' ').slice(0, SEARCH_TEXT_CHARS);
}

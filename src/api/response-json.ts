import type { ResponseObject } from './response.ts';

const texts = new WeakMap<object, string>();

/**
 * A response's JSON. A finished one's is made once and kept with it: its stored record, its
 * log's body and size, its terminal stream event and the JSON answer all write it, and nothing
 * changes a response after its terminal event (the fold keeps the event's own object). One
 * still running changes with every event, so its text is never kept.
 */
export function responseJson(response: ResponseObject): string {
  const kept = texts.get(response);
  if (kept !== undefined) return kept;
  const text = JSON.stringify(response);
  if (response.status !== 'in_progress' && response.status !== 'queued') texts.set(response, text);
  return text;
}

/** `JSON.stringify(value)` (`null` for undefined), or the text already made of a finished response. */
export function jsonText(value: unknown): string {
  const kept = typeof value === 'object' && value !== null ? texts.get(value) : undefined;
  return kept ?? JSON.stringify(value) ?? 'null';
}

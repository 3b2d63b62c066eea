/** The most words one log search may hold. */
export const SEARCH_TERMS = 16;

/** Letters and digits; anything else separates words, as both stores' tokenizers then agree. */
export const WORD = /[\p{L}\p{N}]+/gu;

/** A log search's words, lower-cased and each once, as the stores split each entry's text. */
export function searchTerms(search: string): string[] {
  return [...new Set(search.toLowerCase().match(WORD) ?? [])];
}

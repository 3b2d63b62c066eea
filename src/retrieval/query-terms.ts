/** Words that carry no meaning of their own for a search; left out of rewritten queries and of full-text terms. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in into is it its ' +
    'me my of on or our please should so tell that the their them then there these they this those to ' +
    'us was we were what when where which who whom why will with would you your about find search show give'
  ).split(' '),
);

/** Words of a query, lower-cased: letters and digits of any script. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The words a full-text search looks for: each once, stop words left out (all kept when nothing else is left). */
export function queryTerms(queries: readonly string[]): string[] {
  const all = [...new Set(queries.flatMap(words))];
  const meaningful = all.filter((word) => !STOP_WORDS.has(word));
  return (meaningful.length > 0 ? meaningful : all).slice(0, 64);
}

/**
 * `rewrite_query`: the query as a search wants it, without question words, politeness and
 * punctuation: "What is the return policy for shoes?" becomes "return policy shoes". A
 * rule, not a model: the same query is always rewritten the same way.
 */
export function rewriteQuery(query: string): string {
  const kept = words(query).filter((word) => !STOP_WORDS.has(word));
  return kept.length > 0 ? kept.join(' ') : query;
}

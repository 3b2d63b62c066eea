/** Reciprocal rank fusion's constant, as Cormack, Clarke and Büttcher (2009) chose it. */
export const RRF_K = 60;

export interface FusionWeights {
  text: number;
  embedding: number;
}

/**
 * Weighted reciprocal rank fusion of the full-text ranking and the embedding ranking: each
 * list adds `weight / (k + rank)` for the chunks it holds. Ranks, not scores, are fused: bm25
 * and ts_rank are unbounded and depend on the corpus, cosine similarity is not, so their
 * scores cannot be added without a calibration that would differ per store. The sum is
 * divided by its best possible value (first in every list that ran), so scores lie in
 * (0, 1] and `score_threshold` means the same with or without embeddings.
 */
export function fuseRankings(
  textRanks: ReadonlyMap<number, number>,
  embeddingRanks: ReadonlyMap<number, number> | undefined,
  weights: FusionWeights,
): Map<number, number> {
  const best = weights.text / (RRF_K + 1) + (embeddingRanks ? weights.embedding / (RRF_K + 1) : 0);
  const scores = new Map<number, number>();
  const add = (ranks: ReadonlyMap<number, number>, weight: number) => {
    for (const [chunk, rank] of ranks) scores.set(chunk, (scores.get(chunk) ?? 0) + weight / (RRF_K + rank));
  };
  add(textRanks, weights.text);
  if (embeddingRanks) add(embeddingRanks, weights.embedding);
  if (best <= 0) return new Map([...scores.keys()].map((chunk) => [chunk, 0]));
  return new Map([...scores].map(([chunk, score]) => [chunk, score / best]));
}

/** Cosine similarity of two vectors of one length. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

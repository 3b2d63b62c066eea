import type { BatchItem, PrioritizedBatchItem } from 'node-llama-cpp';

/**
 * How one llama.cpp batch is shared between the sequences with tokens waiting: each gets an
 * equal share, and what a short one leaves goes to the others in turn. So a small request's
 * prompt and each of its tokens ride in the next batch beside a long prompt's next slice,
 * instead of waiting for the whole long prompt (node-llama-cpp's own strategies were measured
 * to hand the batches to the long prompt until it was done).
 */
export function fairBatchStrategy({
  items,
  size,
}: {
  items: readonly BatchItem[];
  size: number;
}): PrioritizedBatchItem[] {
  const share = Math.max(1, Math.floor(size / Math.max(1, items.length)));
  let left = size;
  const batch = items.map((item) => {
    const processAmount = Math.min(item.tokens.length, share, left);
    left -= processAmount;
    return { item, processAmount };
  });
  for (const entry of batch) {
    if (left <= 0) break;
    const more = Math.min(entry.item.tokens.length - entry.processAmount, left);
    entry.processAmount += more;
    left -= more;
  }
  return batch.filter((entry) => entry.processAmount > 0);
}

/** Words the benches build their text from: ordinary enough to read, few enough to repeat. */
export const VOCABULARY = (
  'harbour lighthouse keeper lamp ship fog tide anchor sail rope bread bakery oven flour garden tomato ' +
  'bean summer winter river bridge market lantern engine signal storm coast island cargo map compass ' +
  'letter ledger invoice contract policy return shoes warranty delivery customer order refund'
).split(' ');

/** A deterministic generator (mulberry32), so every run builds the same text. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

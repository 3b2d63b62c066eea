/** The value a fraction `q` of the way through `xs` sorted (0.5: the median); `xs` is left as it is. */
export function quantile(xs: readonly number[], q: number): number {
  return [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;
}

/** The middle value of `xs` (the upper one of an even count); `xs` is left as it is. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

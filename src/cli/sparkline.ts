const BARS = '▁▂▃▄▅▆▇█';

/** Values as a one-line bar chart, scaled to the largest; a blank for nothing at all. */
export function sparkline(values: readonly number[]): string {
  const top = Math.max(0, ...values);
  return values
    .map((value) =>
      value <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((value / top) * BARS.length))],
    )
    .join('');
}

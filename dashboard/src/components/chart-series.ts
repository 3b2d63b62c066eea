/** One line of a time chart: its name and a value (or a gap) per point in time. */
export interface Series {
  label: string;
  values: (number | null)[];
}

/**
 * The points of a line that no segment draws: a value with a gap (or the chart's edge) on both
 * sides, as a single busy minute among quiet ones is. They are drawn as dots; null when none.
 */
export function isolatedPoints(values: ArrayLike<number | null | undefined>): number[] | null {
  const isolated: number[] = [];
  for (let index = 0; index < values.length; index++)
    if (values[index] != null && values[index - 1] == null && values[index + 1] == null) isolated.push(index);
  return isolated.length > 0 ? isolated : null;
}

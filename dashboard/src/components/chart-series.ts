/** One line of a time chart: its name and a value (or a gap) per point in time. */
export interface Series {
  label: string;
  values: (number | null)[];
}

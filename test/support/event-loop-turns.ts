/** What `work` resolves to, and how many turns the event loop took while it ran (none: it held the loop throughout). */
export async function withTurns<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const tick = () => {
    if (!counting) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await work();
  counting = false;
  return { value, turns };
}

/** Resolves at the event loop's next turn, after the I/O that waited meanwhile: a long job's pause. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

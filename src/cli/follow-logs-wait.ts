import { setTimeout as sleep } from 'node:timers/promises';

/** How often `portico logs --follow` looks for new entries. */
const FOLLOW_EVERY_MS = 1000;

/** Waits until the next look for new entries; false once `signal` has stopped the following. */
export async function nextLook(signal: AbortSignal): Promise<boolean> {
  await sleep(FOLLOW_EVERY_MS, undefined, { signal }).catch(() => undefined);
  return !signal.aborted;
}

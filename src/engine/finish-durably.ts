import { ApiError } from '../api/errors.ts';
import type { ResponseObject } from '../api/response.ts';
import type { Owner, ResponseStore } from '../store/response-store.ts';

/** How long the record of a finished response is retried while the store is away (a database restarting). */
export const FINISH_RETRY_MS = 30_000;

/**
 * Records how a response ended, retrying while the store answers `store_unavailable`, so that
 * a response a client has been streaming is not left `in_progress` by a database restart. The
 * caller's answer waits for it: a JSON answer, and a stream's terminal event, leave only once
 * the record is durable. `write` records it: by default ResponseStore.finish; or the whole
 * response at once (its begin, when it was not begun), or with its conversation's turn.
 */
export async function finishDurably(
  store: ResponseStore,
  response: ResponseObject,
  owner: Owner,
  write: () => Promise<unknown> = () => store.finish(response, owner),
): Promise<void> {
  const deadline = Date.now() + FINISH_RETRY_MS;
  let retrying = false;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      // A connection lost after a commit reached the database hides whether it landed: the
      // record's status says so (a write that inserts, a begin or a turn, must not run twice).
      if (retrying && (await store.get(response.id, owner))?.status === response.status) return;
      await write();
      return;
    } catch (error) {
      const unavailable = error instanceof ApiError && error.code === 'store_unavailable';
      if (!unavailable || Date.now() + delay > deadline) throw error;
      retrying = true;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

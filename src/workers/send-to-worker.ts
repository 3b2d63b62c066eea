import type { Worker } from 'node:cluster';
import type { ToWorker } from './worker-messages.ts';

/** A send that failed: the worker is gone, and its exit is handled where it is seen (run-primary.ts). */
function ignoreSendError(): void {}

/**
 * Sends `message` to a worker that is still connected. One killed (kill -9) may not be seen to
 * have disconnected yet: the send then fails with EPIPE, which, without a callback, the worker
 * object emits as an 'error' event, and unheard, that ended the primary and every other
 * worker with it (a local model streaming tokens to the dead worker, found by a crash test).
 * Whether it was sent (a send that fails later is not known here).
 */
export function sendToWorker(worker: Worker, message: ToWorker): boolean {
  if (!worker.isConnected()) return false;
  worker.send(message, ignoreSendError);
  return true;
}

import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { BackgroundStore } from '../store/background-store.ts';
import type { Owner } from '../store/owner.ts';
import type { ResponseStore } from '../store/response-store.ts';
import { endStream } from './end-stream.ts';

export interface Interrupted {
  responseId: string;
  owner: Owner;
  /** Everything the run had streamed, in order. */
  events: readonly ResponseStreamEvent[];
  /** A cancel was asked for. */
  cancel: boolean;
}

export interface InterruptDeps {
  background: BackgroundStore;
  responses: ResponseStore;
  /** The instance that holds the run now. */
  instance: string;
}

/**
 * A run that stopped before it finished, because its instance died (a lapsed lease) or shut
 * down. A run that had not streamed any output goes back to the queue, to start over on any
 * instance; one that had is failed, its stream closed with `response.failed`, since no model
 * can carry on a half-written answer. A run someone asked to cancel is cancelled, its stream
 * closed as such.
 */
export async function interruptRun(
  run: Interrupted,
  why: string,
  deps: InterruptDeps,
): Promise<'requeued' | 'failed' | 'cancelled'> {
  const { background, responses, instance } = deps;
  const response = await responses.get(run.responseId, run.owner);
  if (!response) {
    await background.complete(run.responseId, instance);
    return 'failed';
  }
  if (run.cancel) {
    await endStream(run.responseId, run.owner, run.events, response, { status: 'cancelled' }, deps);
    await background.complete(run.responseId, instance);
    return 'cancelled';
  }
  if (!run.events.some((event) => event.type === 'response.output_item.added')) {
    const queued = run.events.findLast((event) => event.type === 'response.queued');
    await background.requeue(run.responseId, instance, queued?.sequence_number ?? 1);
    await responses.finish({ ...response, status: 'queued', output: [] }, run.owner);
    return 'requeued';
  }
  const failed = { status: 'failed', error: { code: 'server_error', message: why } } as const;
  await endStream(run.responseId, run.owner, run.events, response, failed, deps);
  await background.complete(run.responseId, instance);
  return 'failed';
}

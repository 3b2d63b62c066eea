import type { ResponseObject } from '../api/response.ts';
import type { BackgroundStore, LapsedRun } from '../store/background-store.ts';
import type { ResponseStore } from '../store/response-store.ts';
import { closeStream, settleEnded } from './end-stream.ts';
import { readQueuedRequest } from './queued-request.ts';

export interface InterruptDeps {
  background: BackgroundStore;
  responses: ResponseStore;
  /** The instance that holds the run now. */
  instance: string;
}

/**
 * A run that stopped before it left the queue, because its instance died (a lapsed lease) or
 * shut down. One that had ended (in its record or in its stream) stays as it ended: its record
 * and its stream are made to agree, and it is never run again. Otherwise, a run that had not
 * streamed any output goes back to the queue, to start over on any instance; one that had is
 * failed, its stream closed with `response.failed`, since no model can carry on a half-written
 * answer. A run someone asked to cancel is cancelled, its stream closed as such. Each outcome
 * is one transaction, so a crash during recovery leaves the run to be recovered again.
 */
export async function interruptRun(
  run: LapsedRun,
  why: string,
  deps: InterruptDeps,
): Promise<'ended' | 'requeued' | 'failed' | 'cancelled'> {
  const { background, responses, instance } = deps;
  const response = await responses.get(run.responseId, run.owner);
  if (!response) {
    await background.complete(run.responseId, instance);
    return 'failed';
  }
  const ended = settleEnded(response, run.events, includeOf(run));
  if (ended) {
    await background.end(run.responseId, run.owner, instance, ended);
    return 'ended';
  }
  if (run.cancel) {
    await background.end(run.responseId, run.owner, instance, closeStream(response, { status: 'cancelled' }));
    return 'cancelled';
  }
  if (!run.events.some((event) => event.type === 'response.output_item.added')) {
    const queued = run.events.findLast((event) => event.type === 'response.queued');
    const again: ResponseObject = { ...response, status: 'queued', output: [] };
    await background.requeue(again, run.owner, instance, queued?.sequence_number ?? 1);
    return 'requeued';
  }
  const failed = { status: 'failed', error: { code: 'server_error', message: why } } as const;
  await background.end(run.responseId, run.owner, instance, closeStream(response, failed));
  return 'failed';
}

/** What the run's stream shows of its output (`include`); the least, when its request no longer reads. */
function includeOf(run: LapsedRun): readonly string[] {
  try {
    return readQueuedRequest(run.request).request.include ?? [];
  } catch {
    return [];
  }
}

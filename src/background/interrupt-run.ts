import type { OutputItem, ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { accumulate } from '../engine/accumulate.ts';
import type { BackgroundStore } from '../store/background-store.ts';
import type { Owner } from '../store/owner.ts';
import type { ResponseStore } from '../store/response-store.ts';

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
 * can carry on a half-written answer. A run someone asked to cancel is cancelled.
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
    await responses.finish({ ...response, status: 'cancelled' }, run.owner);
    await background.complete(run.responseId, instance);
    return 'cancelled';
  }
  if (!run.events.some((event) => event.type === 'response.output_item.added')) {
    const queued = run.events.findLast((event) => event.type === 'response.queued');
    await background.requeue(run.responseId, instance, queued?.sequence_number ?? 1);
    await responses.finish({ ...response, status: 'queued', output: [] }, run.owner);
    return 'requeued';
  }
  const closing = closeStream(run.events, response, why);
  await background.appendEvents(run.responseId, closing.events);
  await responses.finish(closing.response, run.owner);
  await background.complete(run.responseId, instance);
  return 'failed';
}

/** The events that end an interrupted stream: each open item done as incomplete, then `response.failed`. */
function closeStream(
  events: readonly ResponseStreamEvent[],
  stored: ResponseObject,
  why: string,
): { events: ResponseStreamEvent[]; response: ResponseObject } {
  let snapshot: ResponseObject | undefined;
  for (const event of events) snapshot = accumulate(snapshot, event);
  const output: OutputItem[] = snapshot?.output ?? [];
  let sequence = (events.at(-1)?.sequence_number ?? -1) + 1;
  const closing: ResponseStreamEvent[] = [];
  const finished = new Set(
    events.flatMap((event) => (event.type === 'response.output_item.done' ? [event.output_index] : [])),
  );
  output.forEach((item, index) => {
    if (finished.has(index)) return;
    const done = ('status' in item ? { ...item, status: 'incomplete' } : item) as OutputItem;
    output[index] = done;
    closing.push({
      type: 'response.output_item.done',
      output_index: index,
      item: done,
      sequence_number: sequence++,
    });
  });
  const response: ResponseObject = {
    ...(snapshot ?? stored),
    status: 'failed',
    output,
    error: { code: 'server_error', message: why },
  };
  closing.push({ type: 'response.failed', response, sequence_number: sequence });
  return { events: closing, response };
}

import type { Item } from '../api/items.ts';
import type { ModelEvent } from '../providers/provider.ts';
import type { HostedResult, HostedToolCall, HostedToolRunner } from './hosted-tool-runner.ts';

/**
 * Takes a model turn's calls to hosted tools out of its events: the client never sees them as
 * function calls (the runner shows them as its own items). Counts the client's calls too.
 */
export class HostedCallCapture {
  /** Finished calls to hosted tools, in the order the model finished them. */
  readonly calls: HostedToolCall[] = [];
  /** How many calls the model made to tools the client runs. */
  clientCalls = 0;
  private readonly open = new Map<string, HostedToolCall>();

  constructor(private readonly runner: HostedToolRunner | undefined) {}

  /** True when the event belongs to a hosted call, and so is kept from the client. */
  take(event: ModelEvent): boolean {
    switch (event.type) {
      case 'tool-call-start':
        if (!this.runner?.runs(event.name)) {
          this.clientCalls++;
          return false;
        }
        this.open.set(event.callId, { callId: event.callId, name: event.name, kind: event.kind, input: '' });
        return true;
      case 'tool-call-delta': {
        const call = this.open.get(event.callId);
        if (call) call.input += event.delta;
        return call !== undefined;
      }
      case 'tool-call-end': {
        const call = this.open.get(event.callId);
        if (!call) return false;
        this.open.delete(event.callId);
        this.calls.push(call);
        return true;
      }
      default:
        return false;
    }
  }
}

/**
 * Runs the calls all at once and yields their events call by call, in call order (the client
 * sees one item at a time); returns the items the model sees next, in the same order, and
 * whether one of the calls waits for the client.
 */
export async function* runHostedCalls(
  runner: HostedToolRunner,
  calls: readonly HostedToolCall[],
  signal: AbortSignal,
): AsyncGenerator<ModelEvent, HostedResult, undefined> {
  const runs = calls.map((call) => startBuffered(runner.run(call, signal)));
  const items: Item[] = [];
  let awaitsClient = false;
  for (const run of runs) {
    const result = yield* run;
    items.push(...result.items);
    awaitsClient ||= result.awaitsClient === true;
  }
  return { items, awaitsClient };
}

/** Pulls `source` from now on, keeping what it yields until the returned generator asks. */
function startBuffered<T, R>(source: AsyncGenerator<T, R, undefined>): AsyncGenerator<T, R, undefined> {
  const queue: T[] = [];
  let ended: { value: R } | { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for (let next = await source.next(); ; next = await source.next()) {
        if (next.done) {
          ended = { value: next.value };
          break;
        }
        queue.push(next.value);
        wake?.();
      }
    } catch (error) {
      ended = { error };
    }
    wake?.();
  })();
  return (async function* () {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (ended) {
        if ('error' in ended) throw ended.error;
        return ended.value;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  })();
}

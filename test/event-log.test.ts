import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import { EventLog } from '../src/background/event-log.ts';
import type { BackgroundStore } from '../src/store/background-store.ts';

/**
 * A stored event stream that another process writes to, and whether its response has ended
 * there. `terminal`: an event that process writes just after the follower first sees the end.
 */
function storedStream(terminal?: string) {
  const stored: ResponseStreamEvent[] = [];
  let over = false;
  const event = (type: string, sequence_number: number) =>
    ({ type, sequence_number }) as unknown as ResponseStreamEvent;
  const store = {
    async appendEvents(_id: string, events: readonly ResponseStreamEvent[]) {
      stored.push(...events);
    },
    async events(_id: string, _owner: string, after: number) {
      return stored.filter((event) => event.sequence_number > after);
    },
  } as unknown as BackgroundStore;
  const isOver = async () => {
    if (over && terminal) {
      // Due before the follower's next poll (set after this), after its next read of the store.
      const type = terminal;
      setTimeout(() => stored.push(event(type, stored.length)), 10);
      terminal = undefined;
    }
    return over;
  };
  // This process runs nothing: it follows what the other one writes.
  const log = new EventLog(store, { flushMs: 10, pollMs: 100, isOver });
  return { store, log, event, end: () => (over = true) };
}

async function followAll(log: EventLog): Promise<string[]> {
  const types: string[] = [];
  for await (const event of log.follow('resp_1', 'default', -1, new AbortController().signal))
    types.push(event.type);
  return types;
}

test('a follower elsewhere waits for the terminal event that leaves after the run recorded its end', async () => {
  const { store, log, event, end } = storedStream('response.completed');
  await store.appendEvents('resp_1', [event('response.created', 0), event('response.in_progress', 1)]);
  end();
  assert.deepEqual(await followAll(log), ['response.created', 'response.in_progress', 'response.completed']);
});

test('a follower of a run that ended without a terminal event (cancelled) stops at what was written', async () => {
  const { store, log, event, end } = storedStream();
  await store.appendEvents('resp_1', [event('response.created', 0), event('response.in_progress', 1)]);
  end();
  assert.deepEqual(await followAll(log), ['response.created', 'response.in_progress']);
});

import assert from 'node:assert/strict';
import { assertMatchesSchema } from './openapi-validator.ts';

type Event = Record<string, unknown> & { type: string; sequence_number: number };
type Item = Record<string, unknown> & { id: string; type: string };

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * Checks a Responses event stream the way openai-node's accumulator does (see
 * ../shared/reference/responses-api.md, "Invariants the official SDK enforces"), validates every
 * event against the published schema, and returns the terminal response.
 */
export function checkResponseStream(events: Array<Record<string, unknown>>): Record<string, unknown> {
  assert.ok(events.length >= 3, 'a stream has at least created, in_progress and a terminal event');
  const items: Item[] = [];
  const done = new Set<number>();
  events.forEach((raw, index) => {
    const event = raw as Event;
    assertMatchesSchema('ResponseStreamEvent', event);
    assert.equal(event.sequence_number, index, 'sequence numbers count from 0 by one');
    if (index === 0) assert.equal(event.type, 'response.created');
    if (index === 1) assert.equal(event.type, 'response.in_progress');
    if (TERMINAL.has(event.type)) assert.equal(index, events.length - 1, 'the terminal event is the last');
    if (event.type === 'response.output_item.added') {
      assert.equal(event.output_index, items.length, 'items are appended in order');
      const item = event.item as Item;
      assert.ok(item.id, 'every item has an id');
      assert.ok(!items.some((other) => other.id === item.id), 'item ids are unique');
      items.push(item);
      return;
    }
    if ('output_index' in event) {
      const item = items[event.output_index as number];
      assert.ok(item, `event ${event.type} names an announced item`);
      assert.ok(!done.has(event.output_index as number), `event ${event.type} comes before its item is done`);
      if ('item_id' in event) assert.equal(event.item_id, item.id, `${event.type} names its item's id`);
      if (event.type === 'response.output_item.done') {
        const finished = event.item as Item;
        assert.equal(finished.id, item.id);
        assert.equal(finished.type, item.type);
        done.add(event.output_index as number);
      }
    }
  });
  assert.equal(done.size, items.length, 'every announced item is closed');
  checkPartsClosed(events);
  const last = events.at(-1) as Event;
  assert.ok(TERMINAL.has(last.type), 'the stream ends with a terminal event');
  const response = last.response as Record<string, unknown>;
  assertMatchesSchema('Response', response);
  const finishedItems = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
  assert.deepEqual(
    response.output,
    finishedItems,
    'the terminal output is exactly the items the stream closed',
  );
  return response;
}

/**
 * Every content or summary part that a stream opens is closed before its item: its text's
 * `.done` event, then the part's own, as the SDK's accumulator expects.
 */
export function checkPartsClosed(events: ReadonlyArray<Record<string, unknown>>): void {
  const open = new Map<string, string>();
  const key = (event: Record<string, unknown>, index: unknown) =>
    `${String(event.output_index)}/${String(index)}`;
  const textDone: Record<string, string> = {
    output_text: 'response.output_text.done',
    refusal: 'response.refusal.done',
    reasoning_text: 'response.reasoning_text.done',
    summary_text: 'response.reasoning_summary_text.done',
  };
  let previous: Record<string, unknown> | undefined;
  for (const event of events) {
    const part = event.part as { type: string } | undefined;
    const index = event.content_index ?? event.summary_index;
    if (
      event.type === 'response.content_part.added' ||
      event.type === 'response.reasoning_summary_part.added'
    )
      open.set(key(event, index), part!.type);
    if (
      event.type === 'response.content_part.done' ||
      event.type === 'response.reasoning_summary_part.done'
    ) {
      const type = open.get(key(event, index));
      assert.ok(type, `${event.type} closes a part that was opened`);
      assert.equal(previous?.type, textDone[type], `${textDone[type]} comes just before ${event.type}`);
      open.delete(key(event, index));
    }
    if (event.type === 'response.output_item.done')
      for (const opened of open.keys())
        assert.ok(
          !opened.startsWith(`${String(event.output_index)}/`),
          `item ${String(event.output_index)} closed with a part open`,
        );
    previous = event;
  }
  assert.equal(open.size, 0, 'every part is closed');
}

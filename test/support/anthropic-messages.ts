import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { readEventStream } from './portico.ts';

/** The official Anthropic SDK against a Portico at `url` (it appends `/v1/messages` itself). */
export function anthropicClient(
  url: string,
  apiKey = 'unused',
  headers: Record<string, string> = {},
): Anthropic {
  return new Anthropic({ baseURL: url, apiKey, maxRetries: 0, defaultHeaders: headers });
}

/** The keys of a Message, sorted. */
export const MESSAGE_KEYS = [
  'content',
  'id',
  'model',
  'role',
  'stop_reason',
  'stop_sequence',
  'type',
  'usage',
];

/** A raw POST of JSON to a Messages API path. */
export function postMessages(
  url: string,
  body: unknown,
  path = '/v1/messages',
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

type Event = Record<string, unknown>;

/** An event in short: `message_start`, `content_block_start 0 text`, `content_block_delta 0 text_delta`, ... */
function short(event: Event): string {
  const index = typeof event.index === 'number' ? ` ${event.index}` : '';
  const block = (event.content_block as { type?: string } | undefined)?.type;
  const delta = (event.delta as { type?: string } | undefined)?.type;
  return `${String(event.type)}${index}${block ? ` ${block}` : ''}${delta && event.type !== 'message_delta' ? ` ${delta}` : ''}`;
}

/**
 * Reads a Messages API stream strictly (an `event:` line naming the data's type, one `data:`
 * line) and checks Anthropic's order: message_start; each block started, given deltas and
 * stopped before the next starts, numbered from 0; message_delta; message_stop. Returns the
 * events and their short forms, repeated deltas of one block folded into one.
 */
export async function readMessageStream(
  body: ReadableStream<Uint8Array>,
): Promise<{ events: Event[]; order: string[] }> {
  const events = await readEventStream(body);
  const order: string[] = [];
  for (const event of events) if (order.at(-1) !== short(event)) order.push(short(event));
  if (events.at(-1)?.type === 'error') return { events, order };
  assert.equal(events[0]?.type, 'message_start');
  assert.deepEqual(
    events.slice(-2).map((e) => e.type),
    ['message_delta', 'message_stop'],
  );
  let open: number | undefined;
  let next = 0;
  for (const event of events.slice(1, -2)) {
    if (event.type === 'content_block_start') {
      assert.equal(open, undefined, 'one block streams at a time');
      assert.equal(event.index, next++);
      open = event.index as number;
    } else {
      assert.equal(event.index, open, `${short(event)} belongs to the open block`);
      if (event.type === 'content_block_stop') open = undefined;
    }
  }
  assert.equal(open, undefined, 'every block stopped');
  return { events, order };
}

import assert from 'node:assert/strict';
import type OpenAI from 'openai';

export type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/** The two function calls the Chat Completions tests' examples make, as Chat Completions writes them. */
export const chatToolCalls = [
  { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
  { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
];

/** Reads a Chat Completions stream strictly: `data:` lines only, ending in `data: [DONE]`. */
export async function readChatStream(body: ReadableStream<Uint8Array>) {
  const text = await new Response(body).text();
  assert.ok(text.endsWith('\n\n'), 'every event ends with a blank line');
  const blocks = text.slice(0, -2).split('\n\n');
  const items: Array<Record<string, unknown>> = [];
  let done = false;
  for (const block of blocks) {
    assert.ok(!done, 'nothing follows [DONE]');
    assert.ok(/^data: [^\n]*$/.test(block), `one data line per event, no event names: ${block}`);
    if (block === 'data: [DONE]') done = true;
    else items.push(JSON.parse(block.slice(6)) as Record<string, unknown>);
  }
  return { items, done };
}

/** The keys of a chat.completion object, sorted. */
export const COMPLETION_KEYS = ['choices', 'created', 'id', 'model', 'object', 'usage'];

export async function postJson(baseUrl: string, body: unknown) {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

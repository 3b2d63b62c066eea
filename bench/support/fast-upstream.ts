import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

function upstreamResponse(id: string, text: string, deltas: number) {
  return {
    id,
    object: 'response',
    created_at: 1_790_000_000,
    status: 'completed',
    model: 'fast',
    output: [
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
      },
    ],
    usage: {
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: deltas,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 5 + deltas,
    },
  };
}

/** The SSE body an OpenAI Responses upstream sends for a short text answer. */
function upstreamStream(deltas: number): string {
  const words = Array.from({ length: deltas }, (_, i) => `word${i} `);
  const events: Array<Record<string, unknown>> = [];
  const base = upstreamResponse('resp_up', words.join(''), deltas);
  events.push({ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } });
  events.push({
    type: 'response.output_item.added',
    output_index: 0,
    item: { type: 'message', id: 'msg_1', role: 'assistant', status: 'in_progress', content: [] },
  });
  events.push({
    type: 'response.content_part.added',
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
  });
  for (const delta of words)
    events.push({
      type: 'response.output_text.delta',
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta,
      logprobs: [],
    });
  events.push({
    type: 'response.output_text.done',
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    text: words.join(''),
    logprobs: [],
  });
  events.push({ type: 'response.output_item.done', output_index: 0, item: base.output[0] });
  events.push({ type: 'response.completed', response: base });
  return events
    .map((e, i) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`)
    .join('');
}

/**
 * A stand-in for OpenAI's Responses API that answers at once from memory: JSON (~900 bytes) or
 * a stream of `deltas` text deltas, as the request's `stream` asks.
 */
export async function startUpstream(deltas: number): Promise<{ url: string; close: () => void }> {
  const stream = upstreamStream(deltas);
  const json = JSON.stringify(upstreamResponse('resp_up', 'x', deltas));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const streaming = (JSON.parse(body) as { stream?: boolean }).stream === true;
      res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
      res.end(streaming ? stream : json);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => server.close(),
  };
}

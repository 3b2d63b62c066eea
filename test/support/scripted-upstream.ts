import type { Fixture, RecordedRequest, ReplayServer } from './replay-server.ts';
import { startReplayServer } from './replay-server.ts';

/**
 * What a scripted OpenAI Responses upstream answers, one model turn per request: text, a
 * function call or a custom (freeform) tool call. Written in OpenAI's documented stream format,
 * the same one the recorded fixtures in test/fixtures/openai follow (see their provenance).
 */
export type ScriptedItem =
  | { type: 'message'; text: string; logprobs?: Array<Record<string, unknown>> }
  | { type: 'function_call'; name: string; arguments: string }
  | { type: 'custom_tool_call'; name: string; input: string };

/** Picks the answer from the request Portico sent upstream (the whole history, `store: false`). */
export type Script = (request: {
  input: Array<Record<string, unknown>>;
  tools?: unknown[];
  /** The upstream model asked for (one upstream can serve several models). */
  model?: string;
}) => ScriptedItem[];

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${(++counter).toString(16).padStart(8, '0')}`;

function sse(events: Array<Record<string, unknown>>): string {
  return events
    .map((event, index) => {
      const data = { ...event, sequence_number: index };
      return `event: ${String(event.type)}\ndata: ${JSON.stringify(data)}\n\n`;
    })
    .join('');
}

/** The events of one output item, from `output_item.added` to `output_item.done`. */
function itemEvents(
  item: ScriptedItem,
  index: number,
): { events: Array<Record<string, unknown>>; done: object } {
  const at = { output_index: index };
  if (item.type === 'message') {
    const id = nextId('msg');
    const logprobs = item.logprobs ?? [];
    const part = { type: 'output_text', text: item.text, annotations: [], logprobs };
    const done = { type: 'message', id, role: 'assistant', status: 'completed', content: [part] };
    const events = [
      { type: 'response.output_item.added', ...at, item: { ...done, status: 'in_progress', content: [] } },
      {
        type: 'response.content_part.added',
        ...at,
        item_id: id,
        content_index: 0,
        part: { ...part, text: '', logprobs: [] },
      },
      {
        type: 'response.output_text.delta',
        ...at,
        item_id: id,
        content_index: 0,
        delta: item.text,
        logprobs,
      },
      {
        type: 'response.output_text.done',
        ...at,
        item_id: id,
        content_index: 0,
        text: item.text,
        logprobs,
      },
      { type: 'response.content_part.done', ...at, item_id: id, content_index: 0, part },
      { type: 'response.output_item.done', ...at, item: done },
    ];
    return { events, done };
  }
  const id = nextId(item.type === 'function_call' ? 'fc' : 'ctc');
  const callId = nextId('call');
  if (item.type === 'function_call') {
    const done = {
      type: 'function_call',
      id,
      call_id: callId,
      name: item.name,
      arguments: item.arguments,
      status: 'completed',
    };
    const events = [
      { type: 'response.output_item.added', ...at, item: { ...done, arguments: '', status: 'in_progress' } },
      { type: 'response.function_call_arguments.delta', ...at, item_id: id, delta: item.arguments },
      { type: 'response.function_call_arguments.done', ...at, item_id: id, arguments: item.arguments },
      { type: 'response.output_item.done', ...at, item: done },
    ];
    return { events, done };
  }
  const done = {
    type: 'custom_tool_call',
    id,
    call_id: callId,
    name: item.name,
    input: item.input,
    status: 'completed',
  };
  const events = [
    { type: 'response.output_item.added', ...at, item: { ...done, input: '', status: 'in_progress' } },
    { type: 'response.custom_tool_call_input.delta', ...at, item_id: id, delta: item.input },
    { type: 'response.custom_tool_call_input.done', ...at, item_id: id, input: item.input },
    { type: 'response.output_item.done', ...at, item: done },
  ];
  return { events, done };
}

/** One streamed Responses answer made of `items`. */
export function scriptedAnswer(model: string, items: readonly ScriptedItem[]): Fixture {
  const response = {
    id: nextId('resp'),
    object: 'response',
    created_at: 1767225600,
    model,
    output: [] as object[],
  };
  const events: Array<Record<string, unknown>> = [
    { type: 'response.created', response: { ...response, status: 'in_progress' } },
    { type: 'response.in_progress', response: { ...response, status: 'in_progress' } },
  ];
  items.forEach((item, index) => {
    const { events: own, done } = itemEvents(item, index);
    events.push(...own);
    response.output.push(done);
  });
  const usage = {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 7,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 19,
  };
  events.push({ type: 'response.completed', response: { ...response, status: 'completed', usage } });
  return {
    provenance:
      "Scripted in OpenAI's documented Responses stream format, as test/fixtures/openai records it.",
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8' },
    body: sse(events),
  };
}

/** How many tool outputs the history holds: the turn of an agent loop the request is. */
export function toolOutputs(input: ReadonlyArray<Record<string, unknown>>): number {
  return input.filter((item) => typeof item.type === 'string' && item.type.endsWith('_output')).length;
}

/** A loopback OpenAI Responses upstream whose every answer `script` decides. */
export function startScriptedUpstream(script: Script): Promise<ReplayServer> {
  return startReplayServer((request: RecordedRequest) => {
    const body = request.json as {
      model?: string;
      input?: Array<Record<string, unknown>>;
      tools?: unknown[];
    };
    if (request.method !== 'POST' || !request.url.endsWith('/responses') || !body?.input)
      return {
        provenance: 'not an OpenAI Responses request',
        status: 404,
        body: '{"error":{"message":"not found"}}',
      };
    return scriptedAnswer(
      body.model ?? 'scripted',
      script({
        input: body.input,
        ...(body.tools ? { tools: body.tools } : {}),
        ...(body.model ? { model: body.model } : {}),
      }),
    );
  });
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { Turn } from '../src/providers/provider.ts';
import { userText } from './support/provider-turn.ts';
import { KEY, finish, fixture, model, run, texts, turn, useOpenAiReplay } from './support/openai-replay.ts';

// The OpenAI provider's streams: what it sends OpenAI and the events it makes of the answers.
useOpenAiReplay();

describe('openai provider: streams', () => {
  test('plain text: deltas, usage with cached tokens, stop', async () => {
    const { events } = await run(fixture('text'));
    assert.deepEqual(events, [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: '! How can' },
      { type: 'text-delta', delta: ' I help you today?' },
      { type: 'item-end' },
      {
        type: 'usage',
        usage: {
          inputTokens: 42,
          outputTokens: 11,
          cachedInputTokens: 32,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('the same stream split into 7-byte chunks gives the same events', async () => {
    const { body, ...whole } = fixture('text');
    const chunks: string[] = [];
    for (let at = 0; at < body!.length; at += 7) chunks.push(body!.slice(at, at + 7));
    const split = await run({ ...whole, chunks });
    const joined = await run(fixture('text'));
    assert.deepEqual(split.events, joined.events);
  });

  test('the request: streamed, not stored, encrypted reasoning asked for, no Portico ids, key in the header', async () => {
    const { request, body } = await run(fixture('text'), turn({ instructions: 'Be brief.' }));
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/responses');
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.equal(request.headers['openai-project'], 'proj_portico');
    assert.equal(request.headers.accept, 'text/event-stream');
    assert.deepEqual(body, {
      model: 'gpt-5.4-pro',
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
      instructions: 'Be brief.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      text: { format: { type: 'text' } },
    });
  });

  test('sampling, reasoning and the client include list are passed on; seed is not', async () => {
    const { body } = await run(
      fixture('text'),
      turn({
        reasoning: { effort: 'xhigh', generate_summary: 'detailed' },
        sampling: { temperature: 0.2, topP: 0.9, maxOutputTokens: 2048, seed: 7 },
        include: ['web_search_call.action.sources', 'reasoning.encrypted_content'],
        text: { format: { type: 'text' }, verbosity: 'low' },
      }),
    );
    assert.deepEqual(body.include, ['reasoning.encrypted_content', 'web_search_call.action.sources']);
    assert.deepEqual(body.reasoning, { effort: 'xhigh', summary: 'detailed' });
    assert.deepEqual(body.text, { format: { type: 'text' }, verbosity: 'low' });
    assert.equal(body.temperature, 0.2);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_output_tokens, 2048);
    assert.equal('seed' in body, false);
  });

  test('a model that does not reason is not asked for encrypted reasoning', async () => {
    const plain = {
      ...model,
      upstreamModel: 'gpt-4.1',
      capabilities: { ...model.capabilities, reasoningEfforts: [] },
    };
    const { body } = await run(fixture('text'), turn({ model: plain }));
    assert.equal(body.model, 'gpt-4.1');
    assert.equal('include' in body, false);
  });

  test('reasoning: summary parts, then encrypted content sealed with the upstream item id', async () => {
    const { events } = await run(fixture('reasoning'));
    const summary = events.filter((e) => e.type === 'reasoning-delta').map((e) => e.delta);
    assert.equal(
      summary.join(''),
      '**Checking the arithmetic**\n\nThe user asks for 17 times 23.\n\n**Answering**\n\n17 x 23 = 391.',
    );
    assert.ok(events.every((e) => e.type !== 'reasoning-delta' || e.part === 'summary'));
    const encrypted = events.find((e) => e.type === 'reasoning-encrypted');
    assert.ok(encrypted?.type === 'reasoning-encrypted');
    assert.match(
      encrypted.encryptedContent,
      /^portico\.openai:rs_0a1f7c3e9b2d4e6f02aa11bb22cc33dd44ee55ff66a7b8c9:gAAAAABpQ1Zx/,
    );
    // Reasoning comes before the answer, and the answer is whole.
    assert.ok(
      events.findIndex((e) => e.type === 'reasoning-encrypted') <
        events.findIndex((e) => e.type === 'text-delta'),
    );
    assert.equal(texts(events), '17 × 23 = 391.');
    assert.deepEqual(events.at(-2), {
      type: 'usage',
      usage: {
        inputTokens: 25,
        outputTokens: 230,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 192,
      },
    });
    assert.deepEqual(finish(events), { type: 'finish', reason: 'stop' });
  });

  test("the next turn carries the reasoning under OpenAI's own id and sends no other ids", async () => {
    const first = await run(fixture('reasoning'));
    const sealed = first.events.find((e) => e.type === 'reasoning-encrypted');
    assert.ok(sealed?.type === 'reasoning-encrypted');
    const history: Item[] = [
      userText('What is 17 times 23?', 'msg_portico_1'),
      {
        type: 'reasoning',
        id: 'rs_portico_1',
        summary: [{ type: 'summary_text', text: 'Checking the arithmetic' }],
        encrypted_content: sealed.encryptedContent,
      },
      {
        type: 'message',
        id: 'msg_portico_2',
        role: 'assistant',
        status: 'completed',
        phase: 'final_answer',
        content: [{ type: 'output_text', text: '17 × 23 = 391.', annotations: [], logprobs: [] }],
      },
      // Another provider's reasoning, and reasoning with nothing OpenAI can use: never sent.
      {
        type: 'reasoning',
        id: 'rs_portico_2',
        summary: [],
        encrypted_content: 'anthropic-thinking.v1:eyJ0eXBlIjoidGhpbmtpbmcifQ',
      },
      { type: 'reasoning', id: 'rs_portico_3', summary: [{ type: 'summary_text', text: 'local thoughts' }] },
      {
        type: 'function_call',
        id: 'fc_portico_1',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
      { type: 'function_call_output', id: 'fco_portico_1', call_id: 'call_1', output: '{"temp":21}' },
      {
        type: 'web_search_call',
        id: 'ws_upstream_1',
        status: 'completed',
        action: { type: 'search', query: 'x' },
      },
      userText('And 18 times 23?', 'msg_portico_3'),
    ];
    const { body } = await run(fixture('text'), turn({ items: history }));
    assert.deepEqual(body.input, [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is 17 times 23?' }] },
      {
        type: 'reasoning',
        id: 'rs_0a1f7c3e9b2d4e6f02aa11bb22cc33dd44ee55ff66a7b8c9',
        summary: [{ type: 'summary_text', text: 'Checking the arithmetic' }],
        encrypted_content:
          'gAAAAABpQ1Zx3kR9mT2vL8nYc4Wq7Eo1Hs6Ju0Ka5Pd_Zb9Xf2Gg3Ii4Nn8Mm1Oo-Rr7Ss5Tt0Uu6Vv9Ww2Xx4Yy8Zz3Aa1Bb5Cc7Dd9Ee0Ff2Gg4Hh6Ii8Jj==',
      },
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: '17 × 23 = 391.' }],
        phase: 'final_answer',
      },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"temp":21}' },
      {
        type: 'web_search_call',
        id: 'ws_upstream_1',
        status: 'completed',
        action: { type: 'search', query: 'x' },
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And 18 times 23?' }] },
    ]);
  });

  test('reasoning a client got from OpenAI directly is sent under the id it came with', async () => {
    const raw = 'gAAAAABpRawFromOpenAI_0123456789';
    const items: Item[] = [{ type: 'reasoning', id: 'rs_from_openai', summary: [], encrypted_content: raw }];
    const { body } = await run(fixture('text'), turn({ items }));
    assert.deepEqual(body.input, [
      { type: 'reasoning', id: 'rs_from_openai', summary: [], encrypted_content: raw },
    ]);
  });

  test('function call: start, argument deltas, end, finish tool-calls; tools are sent', async () => {
    const tools: Turn['tools'] = [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Current weather',
        parameters: { type: 'object', properties: { location: { type: 'string' } } },
        strict: true,
      },
    ];
    const { events, body } = await run(
      fixture('function-call'),
      turn({ tools, toolChoice: 'required', parallelToolCalls: false }),
    );
    assert.deepEqual(body.tools, tools);
    assert.equal(body.tool_choice, 'required');
    assert.equal(body.parallel_tool_calls, false);
    const callId = 'call_Jk3mN8pQ2rS7tU1vW5xY9zA4';
    assert.deepEqual(events.slice(0, 6), [
      { type: 'tool-call-start', callId, name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId, delta: '{"location' },
      { type: 'tool-call-delta', callId, delta: '":"Paris, ' },
      { type: 'tool-call-delta', callId, delta: 'France","unit":"c' },
      { type: 'tool-call-delta', callId, delta: 'elsius"}' },
      { type: 'tool-call-end', callId },
    ]);
    assert.deepEqual(finish(events), { type: 'finish', reason: 'tool-calls' });
  });

  test('two parallel function calls keep their own call ids and arguments', async () => {
    const { events } = await run(fixture('parallel-function-calls'));
    const calls = new Map<string, string>();
    const order: string[] = [];
    for (const event of events) {
      if (event.type === 'tool-call-start') {
        calls.set(event.callId, '');
        order.push(`start ${event.callId}`);
      }
      if (event.type === 'tool-call-delta') calls.set(event.callId, calls.get(event.callId)! + event.delta);
      if (event.type === 'tool-call-end') order.push(`end ${event.callId}`);
    }
    assert.deepEqual(order, [
      'start call_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8',
      'end call_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8',
      'start call_Ii9Jj0Kk1Ll2Mm3Nn4Oo5Pp6',
      'end call_Ii9Jj0Kk1Ll2Mm3Nn4Oo5Pp6',
    ]);
    assert.deepEqual(Object.fromEntries(calls), {
      call_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8: '{"location":"Paris"}',
      call_Ii9Jj0Kk1Ll2Mm3Nn4Oo5Pp6: '{"location":"Tokyo"}',
    });
    assert.equal(finish(events).reason, 'tool-calls');
  });

  test('custom tool call: kind custom with its input streamed', async () => {
    const { events } = await run(fixture('custom-tool-call'));
    const callId = 'call_Qq7Rr8Ss9Tt0Uu1Vv2Ww3Xx4';
    assert.deepEqual(events[0], { type: 'tool-call-start', callId, name: 'run_sql', kind: 'custom' });
    const input = events.map((e) => (e.type === 'tool-call-delta' ? e.delta : '')).join('');
    assert.equal(input, 'SELECT name FROM users WHERE id = 7;');
    assert.equal(finish(events).reason, 'tool-calls');
  });

  test('structured output: the json_schema format is sent and the JSON answer streams as text', async () => {
    const format = {
      type: 'json_schema' as const,
      name: 'person',
      strict: true,
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          born: { type: 'integer' },
          fields: { type: 'array', items: { type: 'string' } },
        },
        required: ['name', 'born', 'fields'],
        additionalProperties: false,
      },
    };
    const { events, body } = await run(fixture('structured-output'), turn({ text: { format } }));
    assert.deepEqual(body.text, { format });
    assert.deepEqual(JSON.parse(texts(events)), {
      name: 'Ada Lovelace',
      born: 1815,
      fields: ['mathematics', 'computing'],
    });
    assert.equal(finish(events).reason, 'stop');
  });

  test('web search: a native item with its progress events, passed through as sent', async () => {
    const tools: Turn['tools'] = [{ type: 'web_search', search_context_size: 'medium' }];
    const { events, body } = await run(fixture('web-search'), turn({ tools }));
    assert.deepEqual(body.tools, tools);
    const wsId = 'ws_0a1f7c3e9b2d4e6f07b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5';
    assert.deepEqual(events.slice(0, 5), [
      {
        type: 'native-item-start',
        item: { id: wsId, type: 'web_search_call', status: 'in_progress', action: { type: 'search' } },
      },
      { type: 'native-item-event', itemId: wsId, event: { type: 'response.web_search_call.in_progress' } },
      { type: 'native-item-event', itemId: wsId, event: { type: 'response.web_search_call.searching' } },
      { type: 'native-item-event', itemId: wsId, event: { type: 'response.web_search_call.completed' } },
      {
        type: 'native-item',
        item: {
          id: wsId,
          type: 'web_search_call',
          status: 'completed',
          action: {
            type: 'search',
            query: 'positive news today',
            sources: [{ type: 'url', url: 'https://example.org/good-news' }],
          },
        },
      },
    ]);
    assert.equal(texts(events), 'A community garden opened in the city centre.');
    const annotations = events.filter((event) => event.type === 'text-annotation');
    assert.equal(annotations.length, 1, 'the url_citation passes through');
    assert.equal((annotations[0] as { annotation: { type: string } }).annotation.type, 'url_citation');
    assert.equal(finish(events).reason, 'stop');
  });

  test('incomplete for max_output_tokens finishes with length', async () => {
    const { events } = await run(fixture('incomplete'));
    assert.equal(texts(events), 'Once upon a time, there was a');
    assert.deepEqual(finish(events), { type: 'finish', reason: 'length' });
  });

  test('an upstream that skips deltas still delivers every item from output_item.done', async () => {
    const whole = fixture('function-call').body!;
    const body = whole
      .split('\n\n')
      .filter(
        (block) => !block.includes('function_call_arguments.delta') && !block.includes('output_item.added'),
      )
      .join('\n\n');
    const { events } = await run({ ...fixture('function-call'), body });
    const callId = 'call_Jk3mN8pQ2rS7tU1vW5xY9zA4';
    assert.deepEqual(events.slice(0, 3), [
      { type: 'tool-call-start', callId, name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId, delta: '{"location":"Paris, France","unit":"celsius"}' },
      { type: 'tool-call-end', callId },
    ]);
  });
});

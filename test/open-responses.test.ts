import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TINY_MODEL, readEventStream } from './support/portico.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';

/**
 * The Open Responses specification's MUSTs, beside OpenAI's schema (which every object still
 * validates against: checkResponseStream): the Response fields it requires, `phase` on
 * assistant messages, the item and event order, `truncation: "disabled"` failing, images as
 * data URLs reaching providers that take them.
 */
const REQUIRED = [
  'id',
  'object',
  'created_at',
  'completed_at',
  'status',
  'incomplete_details',
  'model',
  'previous_response_id',
  'instructions',
  'output',
  'error',
  'tools',
  'tool_choice',
  'truncation',
  'parallel_tool_calls',
  'text',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'top_logprobs',
  'temperature',
  'reasoning',
  'user',
  'usage',
  'max_output_tokens',
  'max_tool_calls',
  'store',
  'background',
  'service_tier',
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
];

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

describe('Open Responses', () => {
  let setup: ScriptedPortico;
  before(async () => {
    setup = await startScriptedPortico(({ input }) =>
      input.length === 1
        ? [
            { type: 'message', text: 'Let me look that up.' },
            { type: 'function_call', name: 'lookup', arguments: '{}' },
          ]
        : [{ type: 'message', text: 'Done.' }],
    );
  });
  after(() => setup.stop());

  const post = (body: Record<string, unknown>) =>
    fetch(`${setup.portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('every event and the final Response carry the fields the spec requires', async () => {
    const res = await post({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 8,
      stream: true,
    });
    const events = await readEventStream(res.body!);
    const final = checkResponseStream(events);
    for (const event of events.filter((e) => 'response' in e)) {
      const response = event.response as Record<string, unknown>;
      assert.deepEqual(
        REQUIRED.filter((key) => !(key in response)),
        [],
        `${String(event.type)} lacks required fields`,
      );
      for (const key of ['top_logprobs', 'presence_penalty', 'frequency_penalty', 'temperature', 'top_p'])
        assert.equal(typeof response[key], 'number', `${key} is a number`);
    }
    assert.equal((events[0]!.response as { usage: unknown }).usage, null, 'no usage before the end');
    assert.equal(typeof (final.usage as { total_tokens: number }).total_tokens, 'number');
    const [message] = final.output as Array<{ type: string; phase?: string }>;
    assert.equal(message!.phase, 'final_answer');
  });

  test('phase: a message before a tool call is commentary, the last one the final answer', async () => {
    const first = (await (await post({ model: SCRIPTED_MODEL, input: 'Look it up' })).json()) as {
      id: string;
      output: Array<{ type: string; phase?: string; call_id?: string }>;
    };
    assert.deepEqual(
      first.output.map((item) => [item.type, item.phase]),
      [
        ['message', 'commentary'],
        ['function_call', undefined],
      ],
    );
    const call = first.output[1]!;
    const second = (await (
      await post({
        model: SCRIPTED_MODEL,
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'found' }],
      })
    ).json()) as { output: Array<{ phase?: string }> };
    assert.equal(second.output[0]!.phase, 'final_answer');
    // The assistant message goes back upstream with its phase.
    const sent = setup.upstream.requests.at(-1)!.json as { input: Array<Record<string, unknown>> };
    assert.equal(sent.input.find((item) => item.role === 'assistant')?.phase, 'commentary');
  });

  test('an image given as a data URL reaches a provider that takes images', async () => {
    const res = await post({
      model: SCRIPTED_MODEL,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: PNG },
          ],
        },
      ],
    });
    assert.equal(res.status, 200, await res.clone().text());
    const sent = setup.upstream.requests.at(-1)!.json as {
      input: Array<{ content: Array<{ type: string; image_url?: string }> }>;
    };
    assert.equal(sent.input[0]!.content[1]!.image_url, PNG);
  });

  test('truncation disabled: input over the context window fails instead of being cut', async () => {
    const res = await post({
      model: TINY_MODEL,
      input: 'Once upon a time there was a little girl. '.repeat(400),
      truncation: 'disabled',
    });
    const { error } = (await res.json()) as { error: { code: string; param: string } };
    assert.equal(res.status, 400);
    assert.equal(error.code, 'context_length_exceeded');
  });
});

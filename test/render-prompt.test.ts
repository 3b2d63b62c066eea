import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import { PromptTemplate } from '../src/api/prompts.ts';
import { parseResponseRequest } from '../src/api/request.ts';
import { renderPrompt } from '../src/gateway/render-prompt.ts';

const IMAGE = { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' } as const;

function stored(template: unknown, version = 3) {
  return { id: 'pmpt_support', version, template: PromptTemplate.parse(template) };
}

function render(body: Record<string, unknown>, template: unknown) {
  return renderPrompt(parseResponseRequest({ prompt: { id: 'pmpt_support' }, ...body }), stored(template));
}

function refusal(run: () => unknown, param: string, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.param, param);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('rendering a stored prompt into a request', () => {
  const template = {
    model: 'test/echo',
    instructions: 'You answer for {{company}}. Be {{tone}}.',
    input: [
      { role: 'user', content: 'What is your name?' },
      { role: 'assistant', content: 'I am the {{company}} assistant.' },
    ],
    temperature: 0.2,
    max_output_tokens: 50,
    variables: { tone: 'brief' },
  };

  test('the messages, variables filled, become the instructions; the model and parameters come from the prompt', () => {
    const request = render(
      { input: 'Hi', prompt: { id: 'pmpt_support', variables: { company: 'Acme' } } },
      template,
    );
    assert.equal(request.model, 'test/echo');
    assert.equal(request.temperature, 0.2);
    assert.equal(request.max_output_tokens, 50);
    assert.equal(request.instructions, undefined);
    assert.equal(request.input, 'Hi');
    assert.deepEqual(request.promptMessages, [
      {
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: 'You answer for Acme. Be brief.' }],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is your name?' }] },
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'I am the Acme assistant.', annotations: [], logprobs: [] }],
      },
    ]);
    // The version used is echoed, so that a later render reads the same one.
    assert.deepEqual(request.prompt, { id: 'pmpt_support', variables: { company: 'Acme' }, version: '3' });
  });

  test("the request's own model, parameters and instructions win over the prompt's", () => {
    const request = render(
      {
        model: 'other/model',
        temperature: 1.5,
        instructions: 'Answer in French.',
        input: 'Hi',
        prompt: { id: 'pmpt_support', variables: { company: 'Acme', tone: 'warm' } },
      },
      template,
    );
    assert.equal(request.model, 'other/model');
    assert.equal(request.temperature, 1.5);
    assert.equal(request.max_output_tokens, 50);
    assert.deepEqual(request.promptMessages?.[0]?.content, [
      { type: 'input_text', text: 'Answer in French.' },
    ]);
    assert.equal(request.promptMessages?.length, 3);
  });

  test('an image variable becomes a part of its own between the text around it', () => {
    const request = render(
      { prompt: { id: 'pmpt_support', variables: { photo: IMAGE, place: 'the harbour' } } },
      { model: 'm', input: [{ role: 'user', content: 'Look: {{photo}} Is this {{ place }}?' }] },
    );
    assert.deepEqual(request.promptMessages?.[0]?.content, [
      { type: 'input_text', text: 'Look: ' },
      { ...IMAGE, detail: 'auto' },
      { type: 'input_text', text: ' Is this the harbour?' },
    ]);
    assert.deepEqual(request.input, []);
  });

  test('a missing, unknown or misplaced variable is a 400 naming it', () => {
    refusal(
      () => render({ input: 'Hi' }, template),
      'prompt.variables.company',
      /Missing prompt variable 'company'/,
    );
    refusal(
      () =>
        render(
          { input: 'Hi', prompt: { id: 'pmpt_support', variables: { company: 'A', colour: 'red' } } },
          template,
        ),
      'prompt.variables.colour',
      /has no variable 'colour'; it has company, tone/,
    );
    refusal(
      () =>
        render(
          { prompt: { id: 'pmpt_support', variables: { photo: IMAGE } } },
          { model: 'm', input: [{ role: 'assistant', content: 'I saw {{photo}}' }] },
        ),
      'prompt.variables.photo',
      /assistant message, which holds only text/,
    );
    refusal(
      () =>
        render(
          { prompt: { id: 'pmpt_support', variables: { photo: { type: 'input_image' } } } },
          { model: 'm', input: [{ role: 'user', content: '{{photo}}' }] },
        ),
      'prompt.variables.photo',
      /needs a source/,
    );
  });

  test('a prompt without a model needs the request to name one', () => {
    const noModel = { instructions: 'Be brief.' };
    refusal(() => render({ input: 'Hi' }, { ...noModel }), 'model', /names no model/);
    assert.equal(render({ model: 'mine', input: 'Hi' }, noModel).model, 'mine');
  });

  test('without a prompt, model and input are still required', () => {
    refusal(() => parseResponseRequest({ input: 'Hi' }), 'model', /Missing required parameter: 'model'/);
    refusal(() => parseResponseRequest({ model: 'm' }), 'input', /Missing required parameter: 'input'/);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  readGgufFileInfo,
  type ChatHistoryItem,
  type Llama,
  type LlamaModel,
} from 'node-llama-cpp';
import { ApiError } from '../src/api/errors.ts';
import type { Item } from '../src/api/items.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import type { Logger } from '../src/logger.ts';
import { defaultThreadCount } from '../src/providers/local/default-thread-count.ts';
import { LeasePool } from '../src/providers/local/lease-pool.ts';
import { DEFAULT_LOCAL_CONTEXT_WINDOW, listLocalModels } from '../src/providers/local/list-local-models.ts';
import { LocalProvider } from '../src/providers/local/local-provider.ts';
import { turnToChatHistory } from '../src/providers/local/turn-to-chat-history.ts';
import type { ModelEvent } from '../src/providers/provider.ts';
import { collect, localTurn, textOf, userMessage } from './support/local-turn.ts';

const MODELS_DIR = fileURLToPath(new URL('../../shared/models/', import.meta.url));
const STORIES = join(MODELS_DIR, 'stories260K.gguf');
const RANDOM = join(MODELS_DIR, 'llama-2-tiny-random.gguf');

/** A logger that remembers what it was told. */
function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: object }[] } {
  const lines: { level: string; message: string; fields?: object }[] = [];
  const log = (level: string) => (message: string, fields?: object) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

function modelById(id: string): CatalogModel {
  const model = listLocalModels([MODELS_DIR]).find((m) => m.id === id);
  assert.ok(model, `${id} is listed`);
  return model;
}

function loads(logger: ReturnType<typeof recordingLogger>, id: string): number {
  return logger.lines.filter(
    (line) => line.message === 'local model loaded' && (line.fields as { model?: string }).model === id,
  ).length;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('listLocalModels', () => {
  test('lists every .gguf file with its trained context window from the GGUF header', async () => {
    const models = listLocalModels([MODELS_DIR]);
    assert.deepEqual(models.map((m) => m.id).sort(), ['local/llama-2-tiny-random', 'local/stories260K']);
    const stories = models.find((m) => m.id === 'local/stories260K');
    assert.deepEqual(stories, {
      id: 'local/stories260K',
      provider: 'local',
      upstreamModel: STORIES,
      task: 'Text Generation',
      ownedBy: 'Local',
      proxied: false,
      contextWindow: 2048,
      capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: [] },
    });
    for (const model of models) {
      const info = await readGgufFileInfo(model.upstreamModel, { readTensorInfo: false });
      assert.equal(model.contextWindow, info.architectureMetadata.context_length, model.id);
    }
    assert.equal(models.find((m) => m.id === 'local/llama-2-tiny-random')?.contextWindow, 4096);
  });

  test('skips missing folders, lets earlier folders win, and lists split models once', () => {
    const first = mkdtempSync(join(tmpdir(), 'portico-local-'));
    try {
      symlinkSync(RANDOM, join(first, 'stories260K.gguf'));
      writeFileSync(join(first, 'broken.gguf'), 'not a gguf file');
      writeFileSync(join(first, 'notes.txt'), 'ignored');
      writeFileSync(join(first, 'big-00001-of-00002.gguf'), '');
      writeFileSync(join(first, 'big-00002-of-00002.gguf'), '');
      const models = listLocalModels([join(first, 'missing'), first, MODELS_DIR]);
      assert.deepEqual(models.map((m) => m.id).sort(), [
        'local/big',
        'local/broken',
        'local/llama-2-tiny-random',
        'local/stories260K',
      ]);
      const stories = models.find((m) => m.id === 'local/stories260K');
      assert.equal(stories?.upstreamModel, join(first, 'stories260K.gguf'));
      assert.equal(stories?.contextWindow, 4096, 'the header of the file it links to');
      assert.equal(models.find((m) => m.id === 'local/broken')?.contextWindow, DEFAULT_LOCAL_CONTEXT_WINDOW);
      assert.equal(
        models.find((m) => m.id === 'local/big')?.upstreamModel,
        join(first, 'big-00001-of-00002.gguf'),
      );
    } finally {
      rmSync(first, { recursive: true, force: true });
    }
  });
});

describe('defaultThreadCount', () => {
  test('leaves a core to the event loop and never counts SMT siblings', () => {
    assert.equal(defaultThreadCount(2, 2), 1);
    assert.equal(defaultThreadCount(1, 1), 1);
    assert.equal(defaultThreadCount(8, 8), 7);
    assert.equal(defaultThreadCount(16, 8), 8);
  });
});

describe('LeasePool', () => {
  test('lends items in FIFO order and drops a waiter whose signal aborts', async () => {
    const pool = new LeasePool(['a']);
    const never = new AbortController().signal;
    const first = await pool.acquire(never);
    const order: string[] = [];
    const abandoned = new AbortController();
    const second = pool.acquire(never).then((item) => order.push(`second:${item}`));
    const third = pool.acquire(abandoned.signal);
    const fourth = pool.acquire(never).then((item) => order.push(`fourth:${item}`));
    assert.equal(pool.waiting, 3);
    abandoned.abort();
    await assert.rejects(third, { name: 'AbortError' });
    assert.equal(pool.waiting, 2);
    pool.release(first);
    await second;
    pool.release('a');
    await fourth;
    assert.deepEqual(order, ['second:a', 'fourth:a']);
    pool.close(new Error('closed'));
    await assert.rejects(pool.acquire(never), /closed/);
  });
});

describe('turnToChatHistory', () => {
  test('maps instructions, roles, tool traffic and reasoning', () => {
    const items: Item[] = [
      { type: 'message', id: 'm1', role: 'developer', content: [{ type: 'input_text', text: 'Be brief.' }] },
      {
        type: 'message',
        id: 'm2',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Weather ' },
          { type: 'input_text', text: 'in Paris?' },
          { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
        ],
      },
      { type: 'reasoning', id: 'r1', summary: [{ type: 'summary_text', text: 'thinking' }] },
      { type: 'function_call', id: 'f1', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', id: 'o1', call_id: 'call_1', output: 'sunny' },
      {
        type: 'message',
        id: 'm3',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'It is sunny.', annotations: [], logprobs: [] }],
      },
      userMessage('Thanks'),
    ];
    const { history, warnings } = turnToChatHistory({ instructions: 'You are helpful.', items });
    assert.deepEqual(history, [
      { type: 'system', text: 'You are helpful.\n\nBe brief.' },
      { type: 'user', text: 'Weather in Paris?' },
      {
        type: 'model',
        response: [
          {
            type: 'functionCall',
            name: 'weather',
            params: { city: 'Paris' },
            result: 'sunny',
            startsNewChunk: true,
          },
          'It is sunny.',
        ],
      },
      { type: 'user', text: 'Thanks' },
    ]);
    assert.deepEqual(warnings, ['input_image content is not shown to local models']);
  });

  test('pairs parallel calls with their outputs; unpaired calls and outputs stay text', () => {
    const items: Item[] = [
      userMessage('Two cities'),
      { type: 'function_call', id: 'f1', call_id: 'call_a', name: 'weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call', id: 'f2', call_id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
      { type: 'custom_tool_call', id: 'c1', call_id: 'call_c', name: 'patch', input: '*** Begin' },
      { type: 'function_call_output', id: 'o1', call_id: 'call_a', output: '{"temp":3}' },
      {
        type: 'function_call_output',
        id: 'o2',
        call_id: 'call_b',
        output: [{ type: 'input_text', text: 'warm' }],
      },
      { type: 'custom_tool_call_output', id: 'o3', call_id: 'call_c', output: 'applied' },
      { type: 'function_call', id: 'f3', call_id: 'call_d', name: 'weather', arguments: 'not json' },
      { type: 'function_call_output', id: 'o4', call_id: 'call_d', output: 'error' },
      { type: 'function_call_output', id: 'o5', call_id: 'call_gone', output: 'late' },
    ];
    const { history } = turnToChatHistory({ instructions: undefined, items });
    assert.deepEqual(history, [
      { type: 'user', text: 'Two cities' },
      {
        type: 'model',
        response: [
          {
            type: 'functionCall',
            name: 'weather',
            params: { city: 'Oslo' },
            result: { temp: 3 },
            startsNewChunk: true,
          },
          {
            type: 'functionCall',
            name: 'weather',
            params: { city: 'Rome' },
            result: 'warm',
            startsNewChunk: false,
          },
          {
            type: 'functionCall',
            name: 'patch',
            params: { input: '*** Begin' },
            result: 'applied',
            startsNewChunk: false,
          },
          'Function call weather(not json) [call_d]',
        ],
      },
      { type: 'user', text: 'Output of call [call_d]: error\n\nOutput of call [call_gone]: late' },
    ]);
  });
});

describe('LocalProvider', () => {
  const logger = recordingLogger();
  const provider = new LocalProvider({ parallelSequences: 2, logger });
  let stories: CatalogModel;
  let random: CatalogModel;
  let llama: Llama;
  let storiesModel: LlamaModel;

  before(async () => {
    stories = modelById('local/stories260K');
    random = modelById('local/llama-2-tiny-random');
    // node-llama-cpp on its own, to check the provider's token counts against.
    llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
    storiesModel = await llama.loadModel({ modelPath: STORIES });
  });

  after(async () => {
    await provider.close();
    await llama.dispose();
  });

  test('nothing loads before the first request', () => {
    assert.equal(loads(logger, stories.id), 0);
  });

  test('streams several text deltas, then usage, then finish', async () => {
    const events = await collect(provider, localTurn(stories, 'Once upon a time'));
    const deltas = events.filter((event) => event.type === 'text-delta');
    assert.ok(deltas.length >= 3, `${deltas.length} deltas`);
    assert.deepEqual(
      events.slice(deltas.length).map((event) => event.type),
      ['usage', 'finish'],
    );
    assert.ok(textOf(events).trim().length > 0);
  });

  test('maxOutputTokens 5 gives exactly 5 output tokens and finish length', async () => {
    const events = await collect(
      provider,
      localTurn(stories, 'Once upon a time', { sampling: { temperature: 0, maxOutputTokens: 5 } }),
    );
    const usage = events.find((event) => event.type === 'usage');
    assert.equal(usage?.type === 'usage' && usage.usage.outputTokens, 5);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'length' });
  });

  test('greedy decoding and a fixed seed are deterministic', async () => {
    const greedy = localTurn(stories, 'Lily went to the park', {
      sampling: { temperature: 0, maxOutputTokens: 48 },
    });
    assert.equal(textOf(await collect(provider, greedy)), textOf(await collect(provider, greedy)));
    const seeded = (seed: number) =>
      localTurn(stories, 'Lily went to the park', {
        sampling: { temperature: 1, seed, maxOutputTokens: 48 },
      });
    const a = textOf(await collect(provider, seeded(7)));
    assert.equal(textOf(await collect(provider, seeded(7))), a);
    assert.notEqual(textOf(await collect(provider, seeded(8))), a);
  });

  test('inputTokens are the prompt tokens node-llama-cpp evaluates, template included', async () => {
    const plain = localTurn(stories, 'Hello there', { sampling: { temperature: 0, maxOutputTokens: 2 } });
    const withInstructions = { ...plain, instructions: 'You tell stories about cats.' };
    const inputTokens = async (turn: typeof plain) => {
      const usage = (await collect(provider, turn)).find((event) => event.type === 'usage');
      assert.ok(usage?.type === 'usage');
      return usage.usage.inputTokens;
    };
    // What LlamaChat itself evaluates for the same chat, on a context of the test's own.
    const evaluated = async (history: ChatHistoryItem[]) => {
      const context = await storiesModel.createContext({ contextSize: 512, threads: 1 });
      try {
        const chat = new LlamaChat({ contextSequence: context.getSequence() });
        await chat.generateResponse(history, { maxTokens: 1 });
        return chat.sequence.contextTokens;
      } finally {
        await context.dispose();
      }
    };
    const plainTokens = await evaluated([{ type: 'user', text: 'Hello there' }]);
    const instructedTokens = await evaluated([
      { type: 'system', text: 'You tell stories about cats.' },
      { type: 'user', text: 'Hello there' },
    ]);
    // stories260K has no template of its own: node-llama-cpp renders it as Llama 2 chat. It
    // tokenizes each template segment apart, so SentencePiece adds a space before each.
    assert.match(storiesModel.detokenize(plainTokens, true), /^<s> ?\[INST\] +Hello there +\[\/INST\] $/);
    assert.match(
      storiesModel.detokenize(instructedTokens, true),
      /^<s> ?\[INST\] <<SYS>>\n *You tell stories about cats\. ?\n<<\/SYS>>\n\n *Hello there +\[\/INST\] $/,
    );
    assert.equal(await inputTokens(plain), plainTokens.length);
    assert.equal(await inputTokens(withInstructions), instructedTokens.length);
    assert.ok(instructedTokens.length > plainTokens.length);
    const signal = new AbortController().signal;
    assert.equal(await provider.countInputTokens(withInstructions, signal), instructedTokens.length);
  });

  test('three concurrent requests on two sequences all complete, each with its own output', async () => {
    const prompts = ['Once upon a time', 'The dog ran', 'Tom had a red ball'];
    const turns = prompts.map((prompt) =>
      localTurn(stories, prompt, { sampling: { temperature: 0, maxOutputTokens: 40 } }),
    );
    const alone: string[] = [];
    for (const turn of turns) alone.push(textOf(await collect(provider, turn)));
    const together = await Promise.all(turns.map((turn) => collect(provider, turn)));
    for (const [index, events] of together.entries()) {
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'length' });
      assert.equal(textOf(events), alone[index], prompts[index]);
    }
    assert.notEqual(alone[0], alone[1]);
  });

  test('an abort mid-stream ends the stream, and the next request still works', async () => {
    const controller = new AbortController();
    const turn = localTurn(stories, 'Once upon a time', {
      sampling: { temperature: 0, maxOutputTokens: 1500 },
    });
    const seen: ModelEvent[] = [];
    let afterAbort = 0;
    await assert.rejects(
      async () => {
        for await (const event of provider.generate(turn, controller.signal)) {
          if (controller.signal.aborted) afterAbort++;
          seen.push(event);
          if (seen.length === 3) controller.abort();
        }
      },
      { name: 'AbortError' },
    );
    assert.ok(afterAbort <= 1, `${afterAbort} events after the abort`);
    assert.ok(seen.every((event) => event.type === 'text-delta'));
    const next = await collect(provider, localTurn(stories, 'Once upon a time'));
    assert.equal(next.at(-1)?.type, 'finish');
  });

  test('llama-2-tiny-random streams well-formed deltas with no replacement characters', async () => {
    let nonAscii = 0;
    for (const prompt of ['Hello', '日本語のテキスト 🎉 café', 'Привет, как дела?']) {
      const events = await collect(
        provider,
        localTurn(random, prompt, { sampling: { temperature: 0, maxOutputTokens: 200 } }),
      );
      const deltas = events.flatMap((event) => (event.type === 'text-delta' ? [event.delta] : []));
      assert.ok(deltas.length > 100);
      for (const delta of deltas) {
        assert.ok(!delta.includes('\uFFFD'), `replacement character in ${JSON.stringify(delta)}`);
        assert.ok(!LONE_SURROGATE.test(delta), `lone surrogate in ${JSON.stringify(delta)}`);
      }
      nonAscii += deltas.join('').match(/[^\x00-\x7F]/gu)?.length ?? 0;
    }
    assert.ok(nonAscii > 0, 'the outputs hold multi-byte characters');
  });

  test('json_schema output follows the schema and stops by itself', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 20 }, age: { type: 'integer' } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    const events = await collect(
      provider,
      localTurn(stories, 'Describe a person as JSON', {
        sampling: { temperature: 0, maxOutputTokens: 200 },
        text: { format: { type: 'json_schema', name: 'person', schema } },
      }),
    );
    const value = JSON.parse(textOf(events)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(value).sort(), ['age', 'name']);
    assert.equal(typeof value.name, 'string');
    assert.ok(Number.isInteger(value.age));
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
  });

  test('each model was loaded once across all these requests', () => {
    assert.equal(loads(logger, stories.id), 1);
    assert.equal(loads(logger, random.id), 1);
    const loaded = logger.lines.find((line) => line.message === 'local model loaded');
    assert.equal((loaded?.fields as { chatWrapper?: string }).chatWrapper, 'Llama2Chat');
  });
});

describe('LocalProvider with one sequence and a small context', () => {
  const logger = recordingLogger();
  const provider = new LocalProvider({ parallelSequences: 1, contextSize: 256, logger });
  let stories: CatalogModel;

  before(() => {
    stories = modelById('local/stories260K');
  });

  after(() => provider.close());

  test('concurrent first requests share one load', async () => {
    const signal = new AbortController().signal;
    const counts = await Promise.all(
      [1, 2, 3].map(() => provider.countInputTokens(localTurn(stories, 'Hi'), signal)),
    );
    assert.equal(new Set(counts).size, 1);
    assert.equal(loads(logger, stories.id), 1);
  });

  test('a request aborted while queued leaves the queue; the sequence goes to the next one', async () => {
    const long = provider
      .generate(
        localTurn(stories, 'Once upon a time', { sampling: { temperature: 0, maxOutputTokens: 1000 } }),
        new AbortController().signal,
      )
      [Symbol.asyncIterator]();
    assert.equal((await long.next()).value?.type, 'text-delta'); // it holds the only sequence
    const controller = new AbortController();
    const queued = provider.generate(localTurn(stories, 'Hi'), controller.signal)[Symbol.asyncIterator]();
    const waiting = queued.next();
    setImmediate(() => controller.abort());
    await assert.rejects(waiting, { name: 'AbortError' });
    let last: ModelEvent | undefined;
    for (let next = await long.next(); !next.done; next = await long.next()) last = next.value;
    assert.deepEqual(last, { type: 'finish', reason: 'length' });
    const after = await collect(provider, localTurn(stories, 'Hi'));
    assert.equal(after.at(-1)?.type, 'finish');
  });

  test('a reader that stops early stops generation and frees the sequence', async () => {
    const turn = localTurn(stories, 'Once upon a time', {
      sampling: { temperature: 0, maxOutputTokens: 1000 },
    });
    let deltas = 0;
    for await (const event of provider.generate(turn, new AbortController().signal)) {
      assert.equal(event.type, 'text-delta');
      if (++deltas === 2) break;
    }
    const next = await collect(provider, localTurn(stories, 'Hi'));
    assert.equal(next.at(-1)?.type, 'finish');
  });

  test('output stops where the context ends, and a prompt that fills it is refused', async () => {
    const events = await collect(
      provider,
      localTurn(stories, 'Once upon a time', { sampling: { temperature: 0, maxOutputTokens: 5000 } }),
    );
    const usage = events.find((event) => event.type === 'usage');
    assert.ok(usage?.type === 'usage');
    assert.equal(usage.usage.inputTokens + usage.usage.outputTokens, 256);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'length' });
    const long = localTurn(stories, 'Once upon a time there was a cat. '.repeat(40));
    await assert.rejects(collect(provider, long), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'context_length_exceeded');
      return true;
    });
  });

  test('after close, requests are refused', async () => {
    await provider.close();
    await assert.rejects(collect(provider, localTurn(stories, 'Hi')), { code: 'provider_closed' });
  });
});

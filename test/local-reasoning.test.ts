import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Llama2ChatWrapper, LlamaText, type ChatHistoryItem, type ChatWrapperSettings } from 'node-llama-cpp';
import type { ModelEvent } from '../src/providers/provider.ts';
import { textOutput } from '../src/providers/local/chat-output.ts';
import { loadLocalModel, type LocalModel } from '../src/providers/local/load-local-model.ts';
import { startLlama, type LlamaRuntime } from '../src/providers/local/start-llama.ts';
import { streamChatResponse } from '../src/providers/local/stream-chat-response.ts';
import { silentLogger } from '../src/logger.ts';
import { sharedModelsDir } from './support/portico.ts';

/** The story model's template as a reasoning model's: `<think>...</think>` marks its thoughts. */
class ThinkingWrapper extends Llama2ChatWrapper {
  override readonly settings: ChatWrapperSettings = {
    ...new Llama2ChatWrapper().settings,
    segments: { thought: { prefix: LlamaText('<think>'), suffix: LlamaText('</think>') } },
  };
}

let runtime: LlamaRuntime;
let local: LocalModel;
before(async () => {
  runtime = await startLlama(false, 1, silentLogger);
  local = await loadLocalModel(runtime.llama, join(sharedModelsDir, 'stories260K.gguf'), {
    sequences: 1,
    contextSize: 2048,
    threads: runtime.threads,
    chatWrapper: new ThinkingWrapper(),
  });
});
after(async () => {
  await local.dispose();
  await runtime.llama.dispose();
});

describe('local reasoning models', () => {
  test("a thought segment (the model's <think> section) becomes reasoning content, counted as reasoning tokens", async () => {
    // The answer opens inside a thought, as reasoning models' templates prefill `<think>`; the
    // story model never closes it, so all it writes is reasoning.
    const history: ChatHistoryItem[] = [
      { type: 'user', text: 'Once upon a time' },
      { type: 'model', response: [{ type: 'segment', segmentType: 'thought', text: '', ended: false }] },
    ];
    const chat = await local.chats.acquire(new AbortController().signal);
    const events: ModelEvent[] = [];
    try {
      const generation = {
        history,
        promptTokens: 10,
        maxTokens: 24,
        sampling: { temperature: 0 },
        output: textOutput(undefined),
      };
      for await (const event of streamChatResponse(chat, generation, new AbortController().signal))
        events.push(event);
    } finally {
      local.chats.release(chat);
    }
    const reasoning = events.filter((event) => event.type === 'reasoning-delta');
    assert.ok(reasoning.length > 0, JSON.stringify(events.slice(0, 5)));
    assert.ok(reasoning.every((event) => event.type === 'reasoning-delta' && event.part === 'content'));
    assert.ok(
      !events.some((event) => event.type === 'text-delta' && event.delta.trim().length > 0),
      'no thought leaks as text',
    );
    const usage = events.find((event) => event.type === 'usage');
    assert.ok(
      usage?.type === 'usage' &&
        usage.usage.reasoningTokens! > 0 &&
        usage.usage.reasoningTokens === usage.usage.outputTokens,
    );
  });
});

import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import { ChatCompletionsProvider } from '../../src/providers/chat-completions/chat-completions-provider.ts';
import { undiciPost } from '../../src/providers/http/upstream-post.ts';
import type { ModelEvent, Turn } from '../../src/providers/provider.ts';
import { collect, providerTurn } from './provider-turn.ts';
import {
  loadFixture,
  replayForFile,
  type FileReplay,
  type Fixture,
  type RecordedRequest,
} from './replay-server.ts';

// The Chat Completions provider's tests: a loopback server replaying recorded Chat Completions
// answers (test/fixtures/chat-completions/, provenance in each), and the provider pointed at it.

export const SECRET = 'sk-test-portico-secret';

export const model: CatalogModel = {
  id: 'vllm/qwen3-8b',
  provider: 'vllm',
  upstreamModel: 'Qwen/Qwen3-8B',
  task: 'Text Generation',
  ownedBy: 'Qwen',
  proxied: true,
  contextWindow: 32768,
  capabilities: {
    tools: true,
    vision: true,
    structuredOutput: true,
    reasoningEfforts: ['low', 'medium', 'high'],
  },
};

export function makeTurn(overrides: Partial<Turn> = {}): Turn {
  return providerTurn(model, overrides);
}

export function fixture(name: string): Fixture {
  return loadFixture(new URL(`../fixtures/chat-completions/${name}.json`, import.meta.url));
}

let replay: FileReplay | undefined;

/** Starts the replay server before the calling file's tests, forgets its requests before each, and closes it after them. */
export function useChatCompletionsReplay(): void {
  replay = replayForFile(fixture('text'), { forgetEachTest: true });
}

/** What the replay server answers from now on. */
export function answerWith(recorded: Fixture): void {
  replay!.answerWith(recorded);
}

/** The requests the replay server has received since the test began, oldest first. */
export function upstreamRequests(): RecordedRequest[] {
  return replay!.requests();
}

export function provider(preset?: string, timeoutMs = 5000): ChatCompletionsProvider {
  let ids = 0;
  return new ChatCompletionsProvider({
    id: 'vllm',
    baseUrl: `${replay!.url()}/v1/`,
    apiKey: SECRET,
    headers: { 'x-extra': 'yes' },
    timeouts: { connectMs: timeoutMs, firstByteMs: timeoutMs, idleMs: timeoutMs },
    post: undiciPost,
    newCallId: () => `call_gen${++ids}`,
    ...(preset ? { preset } : {}),
  });
}

/** The events of one generation answered with the fixture `name`. */
export async function run(name: string, turn = makeTurn(), preset?: string): Promise<ModelEvent[]> {
  answerWith(fixture(name));
  return collect(provider(preset).generate(turn, new AbortController().signal));
}

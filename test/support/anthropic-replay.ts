import { beforeEach } from 'node:test';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import type { Logger } from '../../src/logger.ts';
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.ts';
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

// The Anthropic provider's tests: a loopback server replaying recorded Messages API answers
// (test/fixtures/anthropic/, provenance in each), and the provider pointed at it.

export const SECRET = 'sk-ant-test-portico-secret';

export const model: CatalogModel = {
  id: 'anthropic/claude-sonnet-4-5',
  provider: 'anthropic',
  upstreamModel: 'claude-sonnet-4-5-20250929',
  task: 'Text Generation',
  ownedBy: 'Anthropic',
  proxied: true,
  contextWindow: 200000,
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
  return loadFixture(new URL(`../fixtures/anthropic/${name}.json`, import.meta.url));
}

let replay: FileReplay | undefined;
/** The fields of the provider's warnings since the test began. */
export const warnings: unknown[] = [];
const logger: Logger = { info() {}, error() {}, warn: (_message, fields) => warnings.push(fields) };

/** Starts the replay server before the calling file's tests, forgets requests and warnings before each, and closes it after them. */
export function useAnthropicReplay(): void {
  replay = replayForFile(fixture('text'), { forgetEachTest: true });
  beforeEach(() => {
    warnings.length = 0;
  });
}

/** What the replay server answers from now on. */
export function answerWith(recorded: Fixture): void {
  replay!.answerWith(recorded);
}

export function provider(timeoutMs = 5000): AnthropicProvider {
  return new AnthropicProvider({
    id: 'anthropic',
    baseUrl: replay!.url(),
    apiKey: SECRET,
    headers: { 'anthropic-beta': 'fine-grained-tool-streaming-2025-05-14' },
    timeouts: { connectMs: timeoutMs, firstByteMs: timeoutMs, idleMs: timeoutMs },
    post: undiciPost,
    logger,
  });
}

/** The events of one generation answered with the fixture `name`. */
export async function run(name: string, turn = makeTurn()): Promise<ModelEvent[]> {
  answerWith(fixture(name));
  return collect(provider().generate(turn, new AbortController().signal));
}

/** The JSON body of the last request the replay server received. */
export function lastBody(): Record<string, unknown> {
  return replay!.requests().at(-1)!.json as Record<string, unknown>;
}

/** The requests the replay server has received since the test began, oldest first. */
export function upstreamRequests(): RecordedRequest[] {
  return replay!.requests();
}

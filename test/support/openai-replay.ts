import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.ts';
import { BUILTIN_MODELS } from '../../src/config/builtin-models.ts';
import type { UpstreamOptions } from '../../src/providers/http/upstream-options.ts';
import { undiciPost } from '../../src/providers/http/upstream-post.ts';
import { OpenAiProvider } from '../../src/providers/openai/openai-provider.ts';
import type { ModelEvent, Turn } from '../../src/providers/provider.ts';
import { providerTurn, userText } from './provider-turn.ts';
import {
  loadFixture,
  replayForFile,
  type FileReplay,
  type Fixture,
  type RecordedRequest,
  type ReplayAnswer,
} from './replay-server.ts';

// The OpenAI provider's tests: a loopback server replaying OpenAI's recorded answers
// (test/fixtures/openai/, provenance in each), and the provider pointed at it.

export const KEY = 'sk-test-portico0123456789abcdef6789';
export const fixturesDir = new URL('../fixtures/openai/', import.meta.url);
export const fixture = (name: string): Fixture => loadFixture(new URL(`${name}.json`, fixturesDir));
export const model = BUILTIN_MODELS[0]!;

let replay: FileReplay | undefined;

/** Starts the replay server before the calling file's tests (answering `text`) and closes it after them. */
export function useOpenAiReplay(): void {
  replay = replayForFile(fixture('text'));
}

/** What the replay server answers from now on. */
export function answerWith(answer: ReplayAnswer): void {
  replay!.answerWith(answer);
}

/** The requests the replay server has received, oldest first. */
export function upstreamRequests(): RecordedRequest[] {
  return replay!.requests();
}

export function provider(overrides: Partial<UpstreamOptions> = {}): OpenAiProvider {
  return new OpenAiProvider({
    id: 'openai',
    baseUrl: `${replay!.url()}/v1`,
    apiKey: KEY,
    headers: { 'OpenAI-Project': 'proj_portico' },
    timeouts: { connectMs: 5_000, firstByteMs: 5_000, idleMs: 5_000 },
    post: undiciPost,
    ...overrides,
  });
}

export function turn(overrides: Partial<Turn> = {}): Turn {
  return providerTurn(model, { items: [userText('Hi', 'msg_portico_1')], ...overrides });
}

export interface Run {
  events: ModelEvent[];
  request: RecordedRequest;
  body: Record<string, unknown>;
}

/** One generation answered with `served`: its events, and the request the upstream received. */
export async function run(
  served: Fixture,
  t: Turn = turn(),
  options: Partial<UpstreamOptions> = {},
): Promise<Run> {
  answerWith(served);
  const seen = upstreamRequests().length;
  const events: ModelEvent[] = [];
  for await (const event of provider(options).generate(t, new AbortController().signal)) events.push(event);
  const request = upstreamRequests()[seen]!;
  return { events, request, body: request.json as Record<string, unknown> };
}

/** The ApiError a generation answered with `served` throws; it must not show the key. */
export async function thrown(served: Fixture, options: Partial<UpstreamOptions> = {}): Promise<ApiError> {
  try {
    const { events } = await run(served, turn(), options);
    assert.fail(`expected an error, got ${JSON.stringify(events)}`);
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assertNoKey(error);
    return error;
  }
}

export function assertNoKey(error: ApiError): void {
  const visible = `${error.message} ${JSON.stringify(error.toJSON())}`;
  assert.ok(!visible.includes(KEY), 'the API key leaked');
  assert.ok(!/sk-[A-Za-z0-9*]/.test(visible), `a key-like string leaked: ${visible}`);
}

export function finish(events: ModelEvent[]): Extract<ModelEvent, { type: 'finish' }> {
  const last = events.at(-1);
  assert.equal(last?.type, 'finish');
  return last as Extract<ModelEvent, { type: 'finish' }>;
}

export const texts = (events: ModelEvent[]): string =>
  events.map((e) => (e.type === 'text-delta' ? e.delta : '')).join('');

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type OpenAI from 'openai';
import { startPortico, type TestPortico } from './portico.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './replay-server.ts';

// Tools through the server over replayed upstreams: one replay server answering from a queue of
// recorded tool exchanges (test/fixtures/tools/), and Portico serving an OpenAI, a Chat
// Completions and an Anthropic model on it.

export const fixture = (name: string): Fixture =>
  loadFixture(new URL(`../fixtures/tools/${name}.json`, import.meta.url));

let replay: ReplayServer;
let portico: TestPortico;
let configDir: string;
/** What the replay server answers next, in order; a 500 when it is empty. */
export const queue: Fixture[] = [];

/** Starts the replay server and Portico on it before the calling file's tests, and stops them after. */
export function useToolsUpstream(): void {
  // One hook: Node 20 does not wait for one top-level hook before it starts the next.
  before(async () => {
    replay = await startReplayServer(
      () =>
        queue.shift() ?? {
          provenance: 'test: nothing queued',
          status: 500,
          body: '{"error":"nothing queued"}',
        },
    );
    configDir = mkdtempSync(join(tmpdir(), 'portico-tools-config-'));
    const configPath = join(configDir, 'portico.yaml');
    writeFileSync(
      configPath,
      [
        'providers:',
        `  oai: { type: openai, base_url: "${replay.url}/v1", api_key_env: TOOLS_TEST_KEY }`,
        `  chat: { type: chat-completions, base_url: "${replay.url}/v1" }`,
        `  claude: { type: anthropic, base_url: "${replay.url}", api_key_env: TOOLS_TEST_KEY }`,
        'models:',
        '  - { id: oai/gpt-test, provider: oai, upstream_model: gpt-5.4, context_window: 400000, capabilities: { reasoning_efforts: [low, medium] } }',
        '  - { id: chat/qwen, provider: chat, upstream_model: Qwen/Qwen3-8B, context_window: 32768 }',
        '  - { id: claude/sonnet, provider: claude, upstream_model: claude-sonnet-4-5, context_window: 200000 }',
        '  - { id: claude/lenient, provider: claude, upstream_model: claude-sonnet-4-5, context_window: 200000, drop_unsupported: true }',
        '',
      ].join('\n'),
    );
    portico = await startPortico({ configPath, env: { TOOLS_TEST_KEY: 'sk-tools-test-0123456789' } });
  });
  after(async () => {
    await portico.stop();
    await replay.close();
    rmSync(configDir, { recursive: true, force: true });
  });
}

/** The official SDK, on the running Portico. */
export function client(): OpenAI {
  return portico.client;
}

/** The upstream requests made while `action` ran, as their JSON bodies. */
export async function upstreamBodies(
  action: () => Promise<unknown>,
): Promise<Array<Record<string, unknown>>> {
  const start = replay.requests.length;
  await action();
  return replay.requests.slice(start).map((request) => request.json as Record<string, unknown>);
}

export const strictTool = (name: string) => ({
  type: 'function' as const,
  name,
  description: `${name} for a city`,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
});

export type Loose = Record<string, unknown>;
export const list = (value: unknown) => value as Loose[];

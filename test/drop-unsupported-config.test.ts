import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../src/config/config-error.ts';
import { resolveConfig } from '../src/config/resolve-config.ts';
import type { Provider } from '../src/providers/provider.ts';
import { createRuntime } from '../src/runtime.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';

const document = (global?: boolean) => ({
  ...(global !== undefined ? { drop_unsupported: global } : {}),
  providers: { vllm: { type: 'chat-completions', base_url: 'http://127.0.0.1:9/v1' } },
  models: [
    { id: 'vllm/strict', provider: 'vllm', context_window: 4096, drop_unsupported: false },
    { id: 'vllm/lenient', provider: 'vllm', context_window: 4096, drop_unsupported: true },
    { id: 'vllm/default', provider: 'vllm', context_window: 4096 },
  ],
});

describe('drop_unsupported in the config', () => {
  test('the global setting defaults to false; a model keeps its own setting or none', () => {
    const config = resolveConfig(document(), { env: {} });
    assert.equal(config.dropUnsupported, false);
    const byId = new Map(config.models.map((model) => [model.id, model.dropUnsupported]));
    assert.equal(byId.get('vllm/strict'), false);
    assert.equal(byId.get('vllm/lenient'), true);
    assert.equal(byId.get('vllm/default'), undefined);
    assert.equal(resolveConfig(document(true), { env: {} }).dropUnsupported, true);
  });

  test('a value that is not a boolean is an error naming the setting', () => {
    assert.throws(
      () => resolveConfig({ drop_unsupported: 'yes' }, { env: {} }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some(
          (issue) => issue.path === 'drop_unsupported' && /true or false/.test(issue.problem),
        ),
    );
    assert.throws(
      () => resolveConfig({ models: [{ id: 'openai/gpt-5.4-pro', drop_unsupported: 1 }] }, { env: {} }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some((issue) => issue.path === 'models[0].drop_unsupported'),
    );
  });

  test('the runtime hands the global setting and its logger to the engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-drop-config-'));
    const configPath = join(dir, 'portico.yaml');
    writeFileSync(configPath, 'drop_unsupported: true\n');
    const lines: string[] = [];
    const logger = { info() {}, warn: (message: string) => lines.push(message), error() {} };
    const provider = new ScriptedProvider(() => textEvents('fine'));
    const noSeed: Provider = {
      generate: (turn, signal) => provider.generate(turn, signal),
      unsupported: (turn) =>
        turn.sampling.seed !== undefined ? [{ param: 'seed', message: 'no seed here' }] : [],
    };
    const runtime = await createRuntime({
      dataDir: join(dir, 'data'),
      modelsDirs: [],
      configPath,
      env: {},
      logger,
      models: [scriptedModel('test/no-seed', 'no-seed')],
      providers: new Map([['no-seed', noSeed]]),
    });
    try {
      const answer = await runtime.gateway.run({
        path: 'test',
        credentials: { kind: 'trusted', project: 'someone' },
        gatewayId: undefined,
        options: {},
        steps: [{ request: { model: 'test/no-seed', input: 'hi', seed: 7 }, options: {} }],
        modelFallbacks: true,
        signal: new AbortController().signal,
        warnings: [],
      });
      for await (const _event of answer.events);
      assert.deepEqual(answer.warnings, ['seed: dropped, no seed here']);
      assert.ok(lines.includes('request served without what the model cannot take'));
    } finally {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/load-config.ts';
import { configError, configFiles } from './support/config-files.ts';

const { file, path } = configFiles();

describe('config errors', () => {
  test('a bad setting names the file, the path and the problem', async () => {
    const path = await file(
      'bad.yaml',
      'providers:\n  groq: { type: chat-completions, base_url: "api.groq.com/openai/v1", api_key: gsk_123 }\n',
    );
    const error = await configError(loadConfig({ path, env: {} }));
    assert.equal(error.source, path);
    assert.deepEqual(error.issues, [
      { path: 'providers.groq.base_url', problem: 'must be an http:// or https:// URL' },
      {
        path: 'providers.groq.api_key',
        problem: 'keys are never written in the config: name the environment variable with api_key_env',
      },
    ]);
    assert.ok(error.message.startsWith(`${path}:`));
    assert.match(error.message, /providers\.groq\.base_url: must be an http:\/\/ or https:\/\/ URL/);
    assert.ok(!error.message.includes('gsk_123'), 'the value of a misplaced key is not echoed');
  });

  test('tools.allowed_networks takes addresses and networks of their family only', async () => {
    const path = await file(
      'networks.yaml',
      "tools:\n  allowed_networks: ['10.1.0.0/16', '::1', '1.2.3.4/99', 'fe80::/129', 'host', '1.2.3/8']\n",
    );
    const error = await configError(loadConfig({ path, env: {} }));
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      [2, 3, 4, 5].map((index) => `tools.allowed_networks[${index}]`),
    );
  });

  test('model entries: missing fields, wrong types, unknown providers, duplicates', async () => {
    const path = await file(
      'models.json',
      JSON.stringify({
        models: [
          { id: 'a/one', provider: 'a' },
          { id: 'b/two', provider: 'openai', context_window: 'big' },
          {
            id: 'c/three',
            provider: 'openai',
            context_window: 1000,
            capabilities: { reasoning_efforts: ['ultra'] },
          },
        ],
      }),
    );
    const error = await configError(loadConfig({ path, env: {} }));
    assert.deepEqual(error.issues, [
      { path: 'models[1].context_window', problem: 'must be a whole number of tokens' },
      {
        path: 'models[2].capabilities.reasoning_efforts[0]',
        problem: 'must be one of none, minimal, low, medium, high, xhigh, max',
      },
    ]);

    const second = await file(
      'models2.yaml',
      'models:\n  - { id: a/one, provider: a, context_window: 10 }\n  - { id: b/two, provider: openai }\n  - { id: a/one, provider: openai, context_window: 10 }\n',
    );
    const resolved = await configError(loadConfig({ path: second, env: {} }));
    assert.deepEqual(resolved.issues, [
      {
        path: 'models[0].provider',
        problem: 'names no provider: declare providers.a or use one of openai, anthropic, workers-ai',
      },
      { path: 'models[1].context_window', problem: 'is required' },
      { path: 'models[2].id', problem: "'a/one' is declared twice" },
    ]);
  });

  test('unknown provider types and presets are refused with the valid values', async () => {
    const path = await file(
      'types.yaml',
      'providers:\n  x: { type: bedrock }\n  y: { type: chat-completions, preset: vlm }\n',
    );
    const first = await configError(loadConfig({ path, env: {} }));
    assert.deepEqual(first.issues, [
      { path: 'providers.x.type', problem: 'must be one of openai, chat-completions, anthropic, workers-ai' },
    ]);
    const presets = await file('presets.yaml', 'providers:\n  y: { type: chat-completions, preset: vlm }\n');
    const second = await configError(loadConfig({ path: presets, env: {} }));
    assert.equal(second.issues[0]?.path, 'providers.y.preset');
    assert.match(second.issues[0]?.problem ?? '', /must be one of .*vllm/);
  });

  test('a chat-completions provider with neither base_url nor a preset that knows one', async () => {
    const path = await file('nourl.yaml', 'providers:\n  mine: { type: chat-completions }\n');
    const error = await configError(loadConfig({ path, env: {} }));
    assert.equal(error.issues[0]?.path, 'providers.mine.base_url');
    assert.match(error.issues[0]?.problem ?? '', /is required/);
  });

  test('invalid YAML and JSON name the line', async () => {
    const yaml = await file('broken.yaml', 'providers:\n  groq: { type: openai\nmodels: []\n');
    const yamlError = await configError(loadConfig({ path: yaml, env: {} }));
    assert.match(yamlError.message, /broken\.yaml: is not valid YAML: .*line \d+, column \d+/);

    const json = await file('broken.json', '{\n  "providers": {,\n}');
    const jsonError = await configError(loadConfig({ path: json, env: {} }));
    assert.match(jsonError.message, /broken\.json: is not valid JSON/);
  });

  test('a missing file, and a file that is a list', async () => {
    const missing = await configError(loadConfig({ path: path('nope.yaml'), env: {} }));
    assert.equal(missing.message, `${path('nope.yaml')}: no such file`);
    const list = await configError(loadConfig({ path: await file('list.yaml', '- a\n- b\n'), env: {} }));
    assert.match(list.message, /must be a mapping/);
  });

  test('a top-level typo is named', async () => {
    const error = await configError(loadConfig({ path: await file('typo.yaml', 'provider: {}\n'), env: {} }));
    assert.deepEqual(error.issues, [{ path: 'provider', problem: 'is not a known setting' }]);
  });
});

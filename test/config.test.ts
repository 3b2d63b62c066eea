import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { resolveConfig } from '../src/config/resolve-config.ts';
import { AnthropicProvider } from '../src/providers/anthropic/anthropic-provider.ts';
import { ChatCompletionsProvider } from '../src/providers/chat-completions/chat-completions-provider.ts';
import { OpenAiProvider } from '../src/providers/openai/openai-provider.ts';
import { createUpstreams } from '../src/providers/registry.ts';
import { WorkersAiProvider } from '../src/providers/workers-ai/workers-ai-provider.ts';
import { parse as parseYaml } from 'yaml';
import { configError, configFiles } from './support/config-files.ts';
import { loadFixture, startReplayServer } from './support/replay-server.ts';

const { file } = configFiles();

const EXAMPLE_YAML = `
# The example from docs/configuration.md
providers:
  openai: { type: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY, headers: {}, timeout_ms: 600000 }
  groq: { type: chat-completions, preset: groq, base_url: https://api.groq.com/openai/v1, api_key_env: GROQ_API_KEY }
  claude: { type: anthropic, api_key_env: ANTHROPIC_API_KEY }
  cf: { type: workers-ai, account_id: "0123456789abcdef0123456789abcdef", api_key_env: CLOUDFLARE_API_TOKEN }
  vllm: { type: chat-completions, preset: vllm }
models:
  - id: groq/llama-3.3-70b-versatile
    provider: groq
    context_window: 131072
    max_output_tokens: 32768
    pricing: { input: 0.59, output: 0.79 }
    capabilities: { tools: true }
  - id: anthropic/claude-sonnet-4.5
    provider: claude
    upstream_model: claude-sonnet-4-5
    context_window: 200000
    pricing: { input: 3, cached_input: 0.3, output: 15 }
    capabilities: { tools: true, vision: true, reasoning_efforts: [low, medium, high] }
  - id: cf/llama-3.1-8b
    provider: cf
    upstream_model: "@cf/meta/llama-3.1-8b-instruct"
    context_window: 8192
  - id: local/qwen3
    provider: vllm
    upstream_model: Qwen/Qwen3-8B
    context_window: 32768
`;

describe('config without a file', () => {
  test('the openai provider and the built-in gpt-5.4-pro exist with no file and no key', async () => {
    const config = await loadConfig({ env: {} });
    assert.equal(config.file, undefined);
    const openai = config.providers.get('openai');
    assert.equal(openai?.type, 'openai');
    assert.equal(openai?.baseUrl, 'https://api.openai.com/v1');
    assert.equal(openai?.apiKeyEnv, 'OPENAI_API_KEY');
    assert.deepEqual(
      config.models.find((m) => m.id === 'openai/gpt-5.4-pro'),
      {
        id: 'openai/gpt-5.4-pro',
        provider: 'openai',
        upstreamModel: 'gpt-5.4-pro',
        task: 'Text Generation',
        ownedBy: 'OpenAI',
        proxied: true,
        contextWindow: 1_000_000,
        maxOutputTokens: 128_000,
        pricing: { input: 30, output: 180 },
        capabilities: {
          tools: true,
          vision: true,
          structuredOutput: true,
          reasoningEfforts: ['medium', 'high', 'xhigh'],
        },
        description:
          "OpenAI's GPT-5.4 pro through the Responses API, with built-in tools, improved reasoning and stateful context management.",
      },
    );
  });

  test('without OPENAI_API_KEY the model is listed and a request for it names the variable to set', async () => {
    const config = await loadConfig({ env: {} });
    const upstreams = createUpstreams(config, { env: {} });
    assert.equal(upstreams.providers.has('openai'), false);
    assert.match(upstreams.unavailable.get('openai') ?? '', /OPENAI_API_KEY/);
    // Providers no model refers to are not reported.
    assert.equal(upstreams.unavailable.has('anthropic'), false);
    assert.ok(upstreams.models.some((m) => m.id === 'openai/gpt-5.4-pro'));

    const catalog = new Catalog(upstreams.models, upstreams.providers, upstreams.unavailable);
    assert.throws(
      () => catalog.resolve('openai/gpt-5.4-pro'),
      (error) =>
        error instanceof ApiError &&
        error.status === 400 &&
        error.message.includes('set the environment variable OPENAI_API_KEY'),
    );
  });

  test('OPENAI_API_KEY and OPENAI_BASE_URL give a working openai provider', async () => {
    const server = await startReplayServer(() =>
      loadFixture(new URL('./fixtures/openai/text.json', import.meta.url)),
    );
    try {
      const env = { OPENAI_API_KEY: 'sk-from-env', OPENAI_BASE_URL: `${server.url}/v1/` };
      const config = await loadConfig({ env });
      assert.equal(config.providers.get('openai')?.baseUrl, `${server.url}/v1`);
      const upstreams = createUpstreams(config, { env });
      const provider = upstreams.providers.get('openai');
      assert.ok(provider instanceof OpenAiProvider);
      assert.equal(upstreams.unavailable.size, 0);

      const { model } = new Catalog(upstreams.models, upstreams.providers).resolve('openai/gpt-5.4-pro');
      const events = [];
      const turn = {
        model,
        instructions: undefined,
        items: [],
        tools: [],
        toolChoice: 'auto' as const,
        parallelToolCalls: true,
        text: {},
        reasoning: undefined,
        sampling: {},
        include: [],
        stream: true,
      };
      for await (const event of provider.generate(turn, new AbortController().signal)) events.push(event);
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
      assert.equal(server.requests[0]?.url, '/v1/responses');
      assert.equal(server.requests[0]?.headers.authorization, 'Bearer sk-from-env');
      assert.equal((server.requests[0]?.json as { model: string }).model, 'gpt-5.4-pro');
    } finally {
      await server.close();
    }
  });

  test('an OPENAI_BASE_URL that is not a URL is a config error naming the variable', async () => {
    const error = await configError(loadConfig({ env: { OPENAI_BASE_URL: 'api.openai.com' } }));
    assert.deepEqual(error.issues, [
      { path: 'OPENAI_BASE_URL (environment)', problem: 'must be an http:// or https:// URL' },
    ]);
  });
});

describe('config files', () => {
  test('a YAML file declares providers of every type and their models', async () => {
    const path = await file('portico.yaml', EXAMPLE_YAML);
    const config = await loadConfig({ path, env: {} });
    assert.equal(config.file, path);
    const groq = config.providers.get('groq');
    assert.deepEqual(groq, {
      id: 'groq',
      type: 'chat-completions',
      baseUrl: 'https://api.groq.com/openai/v1',
      apiKeyEnv: 'GROQ_API_KEY',
      headers: {},
      timeouts: { connectMs: 10_000, firstByteMs: 60_000, idleMs: 300_000 },
      declaredAt: 'providers.groq',
      preset: 'groq',
    });
    assert.equal(
      config.providers.get('vllm')?.baseUrl,
      'http://localhost:8000/v1',
      'the preset knows the URL',
    );
    const cf = config.providers.get('cf');
    assert.ok(cf?.type === 'workers-ai');
    assert.equal(cf.accountId, '0123456789abcdef0123456789abcdef');

    const llama = config.models.find((m) => m.id === 'groq/llama-3.3-70b-versatile');
    assert.deepEqual(llama, {
      id: 'groq/llama-3.3-70b-versatile',
      provider: 'groq',
      upstreamModel: 'llama-3.3-70b-versatile',
      task: 'Text Generation',
      ownedBy: 'groq',
      proxied: true,
      contextWindow: 131072,
      maxOutputTokens: 32768,
      pricing: { input: 0.59, output: 0.79 },
      capabilities: { tools: true, vision: false, structuredOutput: false, reasoningEfforts: [] },
    });
    const claude = config.models.find((m) => m.id === 'anthropic/claude-sonnet-4.5');
    assert.equal(claude?.upstreamModel, 'claude-sonnet-4-5');
    assert.equal(claude?.ownedBy, 'Anthropic');
    assert.deepEqual(claude?.pricing, { input: 3, cachedInput: 0.3, output: 15 });
    assert.deepEqual(claude?.capabilities.reasoningEfforts, ['low', 'medium', 'high']);
    assert.deepEqual(
      config.models.map((m) => m.id),
      [
        'openai/gpt-5.4-pro',
        'groq/llama-3.3-70b-versatile',
        'anthropic/claude-sonnet-4.5',
        'cf/llama-3.1-8b',
        'local/qwen3',
      ],
    );
  });

  test('the registry builds each type and names what is missing for the rest', async () => {
    const path = await file('registry.yaml', EXAMPLE_YAML);
    const env = { GROQ_API_KEY: 'gsk-test', CLOUDFLARE_API_TOKEN: 'cf-token', OPENAI_API_KEY: 'sk-test' };
    const upstreams = createUpstreams(await loadConfig({ path, env }), { env });
    assert.ok(upstreams.providers.get('openai') instanceof OpenAiProvider);
    assert.ok(upstreams.providers.get('groq') instanceof ChatCompletionsProvider);
    assert.ok(
      upstreams.providers.get('vllm') instanceof ChatCompletionsProvider,
      'a local server needs no key',
    );
    assert.ok(upstreams.providers.get('cf') instanceof WorkersAiProvider);
    assert.equal(upstreams.providers.has('claude'), false);
    assert.deepEqual(Object.fromEntries(upstreams.unavailable), {
      claude: 'the claude provider needs an API key: set the environment variable ANTHROPIC_API_KEY',
    });
    const withKey = createUpstreams(await loadConfig({ path, env }), {
      env: { ...env, ANTHROPIC_API_KEY: 'sk-ant-test' },
    });
    assert.ok(withKey.providers.get('claude') instanceof AnthropicProvider);
    assert.equal(withKey.unavailable.size, 0);
  });

  test('a JSON file works the same, found through PORTICO_CONFIG', async () => {
    const path = await file(
      'portico.json',
      JSON.stringify({
        providers: { ollama: { type: 'chat-completions', preset: 'ollama', timeout_ms: 30000 } },
        models: [{ id: 'ollama/llama3.2', provider: 'ollama', context_window: 131072 }],
      }),
    );
    const config = await loadConfig({ env: { PORTICO_CONFIG: path } });
    assert.equal(config.file, path);
    assert.equal(config.providers.get('ollama')?.baseUrl, 'http://localhost:11434/v1');
    assert.deepEqual(config.providers.get('ollama')?.timeouts, {
      connectMs: 10_000,
      firstByteMs: 30000,
      idleMs: 30000,
    });
    assert.equal(config.models.find((m) => m.id === 'ollama/llama3.2')?.upstreamModel, 'llama3.2');
  });

  test('--config wins over PORTICO_CONFIG', async () => {
    const chosen = await file(
      'chosen.yaml',
      'models: [{ id: openai/gpt-5.4-pro, context_window: 400000 }]\n',
    );
    const other = await file('other.yaml', 'models: [{ id: openai/gpt-5.4-pro, context_window: 5 }]\n');
    const config = await loadConfig({ path: chosen, env: { PORTICO_CONFIG: other } });
    assert.equal(config.file, chosen);
    assert.equal(config.models[0]?.contextWindow, 400000);
  });

  test('an empty file is an empty config, YAML or JSON', async () => {
    for (const [name, text] of [
      ['empty.yaml', '# nothing yet\n'],
      ['empty.json', ''],
      ['blank.json', ' \n'],
    ]) {
      const config = await loadConfig({ path: await file(name!, text!), env: {} });
      assert.deepEqual(
        config.models.map((m) => m.id),
        ['openai/gpt-5.4-pro'],
        name,
      );
    }
  });

  test('a file entry overrides the built-in gpt-5.4-pro field by field', async () => {
    const path = await file(
      'override.yaml',
      `models:
  - id: openai/gpt-5.4-pro
    context_window: 1050000
    pricing: { input: 31, cached_input: 3.1, output: 181 }
    capabilities: { reasoning_efforts: [high, xhigh] }
`,
    );
    const config = await loadConfig({ path, env: {} });
    const pro = config.models.filter((m) => m.id === 'openai/gpt-5.4-pro');
    assert.equal(pro.length, 1);
    assert.equal(pro[0]?.contextWindow, 1_050_000);
    assert.deepEqual(pro[0]?.pricing, { input: 31, cachedInput: 3.1, output: 181 });
    assert.deepEqual(pro[0]?.capabilities, {
      tools: true,
      vision: true,
      structuredOutput: true,
      reasoningEfforts: ['high', 'xhigh'],
    });
    assert.equal(pro[0]?.upstreamModel, 'gpt-5.4-pro');
    assert.equal(pro[0]?.maxOutputTokens, 128_000);
  });

  test('the environment fills what the file leaves out, and the file wins where it speaks', async () => {
    const env = { OPENAI_BASE_URL: 'http://proxy.internal:8080/v1' };
    const silent = await file('silent.yaml', 'providers:\n  openai: { type: openai, timeout_ms: 1000 }\n');
    const fromEnv = await loadConfig({ path: silent, env });
    assert.equal(fromEnv.providers.get('openai')?.baseUrl, 'http://proxy.internal:8080/v1');
    assert.equal(fromEnv.providers.get('openai')?.apiKeyEnv, 'OPENAI_API_KEY');
    assert.equal(fromEnv.providers.get('openai')?.timeouts.firstByteMs, 1000);

    const explicit = await file(
      'explicit.yaml',
      'providers:\n  openai: { type: openai, base_url: "https://eu.api.openai.com/v1", api_key_env: OPENAI_EU_KEY }\n',
    );
    const fromFile = await loadConfig({ path: explicit, env });
    assert.equal(fromFile.providers.get('openai')?.baseUrl, 'https://eu.api.openai.com/v1');
    assert.equal(fromFile.providers.get('openai')?.apiKeyEnv, 'OPENAI_EU_KEY');
  });

  test('an `openai` id of another type never receives OPENAI_API_KEY', async () => {
    const path = await file(
      'retyped.yaml',
      'providers:\n  openai: { type: chat-completions, base_url: "http://127.0.0.1:9/v1" }\n',
    );
    const config = await loadConfig({ path, env: { OPENAI_API_KEY: 'sk-secret' } });
    assert.equal(config.providers.get('openai')?.apiKeyEnv, undefined);
  });

  test('Workers AI takes its account id from CLOUDFLARE_ACCOUNT_ID, or says it is missing', async () => {
    const path = await file(
      'cf.yaml',
      'models:\n  - { id: "@cf/meta/llama-3.1-8b-instruct", provider: workers-ai, context_window: 8192 }\n',
    );
    const config = await loadConfig({ path, env: {} });
    const missing = createUpstreams(config, { env: { CLOUDFLARE_API_TOKEN: 't' } });
    assert.equal(
      missing.unavailable.get('workers-ai'),
      'the workers-ai provider needs a Cloudflare account id: set the environment variable CLOUDFLARE_ACCOUNT_ID',
    );
    const found = createUpstreams(config, {
      env: { CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: 'acc' },
    });
    assert.ok(found.providers.get('workers-ai') instanceof WorkersAiProvider);
    assert.equal(
      config.models.find((m) => m.provider === 'workers-ai')?.upstreamModel,
      '@cf/meta/llama-3.1-8b-instruct',
    );
  });

  test('an anthropic provider declared without api_key_env says which setting to add', async () => {
    const path = await file(
      'claude.yaml',
      'providers:\n  claude: { type: anthropic }\nmodels:\n  - { id: claude/haiku, provider: claude, context_window: 200000 }\n',
    );
    const upstreams = createUpstreams(await loadConfig({ path, env: {} }), { env: {} });
    assert.equal(
      upstreams.unavailable.get('claude'),
      'the claude provider needs an API key: set providers.claude.api_key_env to the environment variable that holds it',
    );
  });
});

describe('docs/configuration.md', () => {
  test('every YAML example is a config Portico accepts', () => {
    const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
    assert.ok(examples.length >= 12, `only ${examples.length} examples found`);
    for (const example of examples) {
      assert.doesNotThrow(
        () => resolveConfig(parseYaml(example), { file: 'docs/configuration.md', env: {} }),
        `this example is refused:\n${example}`,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { sharedModelsDir, TINY_MODEL } from './support/portico.ts';
import { runCli, startCli } from './support/run-cli.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

const COMMANDS = ['serve', 'run', 'chat', 'models', 'pull', 'keys', 'gateways', 'logs', 'stats', 'prompts'];

/**
 * The commands that cover the dashboard's ground, each run as a real `portico` process
 * against a real `portico serve` (with --url) or on its data directory.
 */
describe('portico chat, gateways, stats and logs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-cli-manage-'));
  const env = {
    ...process.env,
    PORTICO_DATA_DIR: dataDir,
    PORTICO_MODELS_DIR: sharedModelsDir,
    OPENAI_API_KEY: '',
  };
  let server: ServeProcess;
  let remote: string[];
  before(async () => {
    server = await spawnServe([], env);
    remote = ['--url', server.url];
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('--version and --help answer on every command', async () => {
    const version = await runCli(['--version'], env);
    assert.match(version.stdout, /^portico \d+\.\d+\.\d+\n$/);
    for (const command of COMMANDS) {
      const help = await runCli([command, '--help'], env);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`Usage: portico ${command}`));
      assert.equal((await runCli([command, '--version'], env)).stdout, version.stdout);
    }
    // The overview names every form of every command.
    const overview = (await runCli(['--help'], env)).stdout;
    for (const form of [
      'keys create',
      'keys list',
      'keys revoke',
      'gateways create',
      'gateways delete',
      'prompts show',
    ])
      assert.match(overview, new RegExp(`^  portico ${form}`, 'm'));
    const unknown = await runCli(['stat'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command 'stat': the commands are .*stats/);
  });

  test('portico chat streams each answer and chains the turns with previous_response_id', async () => {
    const chat = await runCli(
      ['chat', TINY_MODEL, '--max-output-tokens', '12', '--temperature', '0', ...remote],
      env,
      'Once upon a time\n\nAnd then\n',
    );
    assert.equal(chat.code, 0, chat.stderr);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    // The two requests, oldest first (the blank line sent nothing).
    const [first, second] = (await runCli(['logs', '--json', '--limit', '2'], env)).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { response_id: string });
    const [one, two] = await Promise.all([
      client.responses.retrieve(first!.response_id),
      client.responses.retrieve(second!.response_id),
    ]);
    assert.equal(two.previous_response_id, one.id);
    assert.equal(chat.stdout, `${one.output_text}\n${two.output_text}\n`);
  });

  test('portico logs --search and --filter narrow the list, in-process and remote', async () => {
    for (const where of [[], remote]) {
      const lines = async (...args: string[]) => {
        const listed = await runCli(['logs', '--json', ...args, ...where], env);
        assert.equal(listed.code, 0, listed.stderr);
        return listed.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { model: string; tokens_out: number });
      };
      const found = await lines('--search', 'once UPON');
      assert.ok(found.length >= 1, 'the chat turn that said it');
      assert.ok(found.every((log) => log.model === TINY_MODEL));
      const filtered = await lines('--filter', `model:eq:${TINY_MODEL}`, '--filter', 'tokens_out:gt:0');
      assert.ok(filtered.length >= 2 && filtered.every((log) => log.tokens_out > 0));
      assert.deepEqual(await lines('--search', 'zyzzyva'), []);
      const refused = await runCli(['logs', '--filter', 'user_agent:eq:curl', ...where], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /user agent/);
    }
    const usage = await runCli(['logs', '--filter', 'model'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--filter takes KEY:OPERATOR:VALUE/);
  });

  test('portico chat in-process says what to do about an unknown model', async () => {
    const chat = await runCli(['chat', 'local/nope'], env, 'hello\n');
    assert.equal(chat.code, 1);
    assert.match(chat.stderr, /portico: .*local\/nope.*does not exist/);
  });

  test('portico gateways creates, updates, lists and deletes over the API and on the data directory', async () => {
    const created = await runCli(
      [
        'gateways',
        'create',
        'search',
        '--cache-ttl',
        '5m',
        '--rate-limit',
        '100/60s:sliding',
        '--log-limit',
        '1000:delete_oldest',
        '--json',
        ...remote,
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(
      (({ cache_ttl, rate_limit, log_limit, source }) => ({ cache_ttl, rate_limit, log_limit, source }))(
        JSON.parse(created.stdout),
      ),
      {
        cache_ttl: 300,
        rate_limit: { limit: 100, period: 60, technique: 'sliding' },
        log_limit: { max_logs: 1000, strategy: 'delete_oldest' },
        source: 'api',
      },
    );
    const updated = await runCli(
      ['gateways', 'update', 'search', '--auth', 'false', '--rate-limit', 'none'],
      env,
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^search\s+open\s+300s\s+-\s/m);
    assert.match(updated.stdout, /bodies, at most 1000 \(delete_oldest\)/);
    assert.match(updated.stdout, /DLP\s+GUARDRAILS\s+SOURCE/);
    assert.match(updated.stdout, /^search\s.*\soff\s+off\s+api\s*$/m, 'neither DLP nor Guardrails is on');
    const listed = JSON.parse((await runCli(['gateways', 'list', '--json', ...remote], env)).stdout) as {
      id: string;
      authentication: boolean;
    }[];
    assert.deepEqual(
      listed.map((g) => [g.id, g.authentication]),
      [
        ['default', true],
        ['search', false],
      ],
    );
    assert.equal((await runCli(['gateways', 'delete', 'search', ...remote], env)).code, 0);
    const reset = await runCli(['gateways', 'delete', 'default', ...remote], env);
    assert.equal(reset.code, 0);
    assert.match(reset.stderr, /default is back to its built-in settings/);
    const missing = await runCli(['gateways', 'update', 'search', '--attempts', '2', ...remote], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /search/);
    const malformed = await runCli(['gateways', 'create', 'x', '--spend-limit', 'lots'], env);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--spend-limit takes dollars per period like 10\/30d/);
    const badCap = await runCli(['gateways', 'create', 'x', '--log-limit', 'lots'], env);
    assert.equal(badCap.code, 2);
    assert.match(badCap.stderr, /--log-limit takes a number of logs/);
    const outOfRange = await runCli(['gateways', 'create', 'x', '--attempts', '9', ...remote], env);
    assert.equal(outOfRange.code, 1);
    assert.match(outOfRange.stderr, /max_attempts|at most 5/);
  });

  test('portico gateways provider-configs lists the stored keys with previews, never secrets', async () => {
    const secret = 'sk-cli-listed-secret-7777777777777777';
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await post('/v1/gateways', { id: 'byok' })).status, 201);
    const made = await post('/v1/gateways/byok/provider_configs', {
      provider_slug: 'openai',
      alias: 'prod',
      default_config: true,
      secret,
    });
    assert.equal(made.status, 201);
    const table = await runCli(['gateways', 'provider-configs', 'byok', ...remote], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^pc_\S+\s+openai\s+prod\s+yes\s+sk-…7777\s+-\s/m);
    const local = await runCli(['gateways', 'provider-configs', 'byok', '--json'], env);
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(
      (JSON.parse(local.stdout) as Array<{ alias: string; secret_preview: string }>).map((c) => [
        c.alias,
        c.secret_preview,
      ]),
      [['prod', 'sk-…7777']],
    );
    for (const output of [table.stdout, table.stderr, local.stdout, local.stderr])
      assert.ok(!output.includes(secret));
    const missing = await runCli(['gateways', 'provider-configs', 'nowhere', ...remote], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nowhere/);
  });

  test('portico stats shows the overview in the terminal and as JSON', async () => {
    const json = await runCli(['stats', '--range', '1h', '--by', 'model', '--json', ...remote], env);
    assert.equal(json.code, 0, json.stderr);
    const stats = JSON.parse(json.stdout) as {
      bucket: string;
      totals: { requests: number };
      breakdown: { group: string; requests: number }[];
    };
    assert.equal(stats.bucket, 'minute');
    assert.ok(stats.totals.requests >= 3);
    assert.ok(stats.breakdown.some((row) => row.group === TINY_MODEL && row.requests >= 2));
    const text = await runCli(['stats', '--by', 'model'], env);
    assert.match(text.stdout, /^Requests\s+\d+/m);
    assert.match(text.stdout, /^Latency\s+p50 \d+ ms, p95 \d+ ms/m);
    assert.match(text.stdout, new RegExp(`^${TINY_MODEL.replace('/', '\\/')}\\s+\\d+`, 'm'));
    const bad = await runCli(['stats', '--by', 'colour'], env);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--by takes one of model, provider, gateway, key, project, prompt, prompt_version or metadata\.KEY/,
    );
    const byUser = await runCli(['stats', '--by', 'metadata.user', '--json', ...remote], env);
    assert.equal(byUser.code, 0, byUser.stderr);
    const users = JSON.parse(byUser.stdout) as { breakdown: { group: string | null; requests: number }[] };
    assert.ok(
      users.breakdown.some((row) => row.group === null && row.requests >= 3),
      'no request named a user',
    );
    // A stored prompt's request: its own group by version (analytics flush the server's logs
    // first), found in-process by --filter too.
    const created = await fetch(`${server.url}/v1/prompts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: { model: TINY_MODEL, instructions: 'Once upon a time' } }),
    });
    const prompt = ((await created.json()) as { id: string }).id;
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await client.responses.create({ prompt: { id: prompt }, max_output_tokens: 4 } as never);
    const byVersion = await runCli(['stats', '--by', 'prompt_version', '--json', ...remote], env);
    assert.equal(byVersion.code, 0, byVersion.stderr);
    const versions = JSON.parse(byVersion.stdout) as {
      breakdown: { group: string | null; requests: number }[];
    };
    assert.deepEqual(
      versions.breakdown.filter((row) => row.group !== null).map((row) => [row.group, row.requests]),
      [[`${prompt}@1`, 1]],
    );
    const filtered = await runCli(['logs', '--json', '--filter', `prompt_id:eq:${prompt}`], env);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(
      filtered.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { prompt: unknown }).prompt),
      [{ id: prompt, version: '1' }],
    );
    const extra = await runCli(['stats', 'extra'], env);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /^portico stats: unexpected argument 'extra'/);
    for (const args of [
      ['models', 'x'],
      ['logs', 'x'],
      ['keys', 'list', 'a', 'b'],
      ['serve', 'x'],
    ]) {
      const refused = await runCli(args, env);
      assert.equal(refused.code, 2, args.join(' '));
      assert.match(refused.stderr, /unexpected argument/);
    }
    const long = await runCli(['stats', '--range', '100000000000d'], env);
    assert.equal(long.code, 2);
    assert.match(
      long.stderr,
      /--range takes a duration like 1h, 24h or 30d, up to 3650d, not '100000000000d'/,
    );
  });

  test('portico logs --follow prints requests as they arrive', async () => {
    const follow = startCli(['logs', '--follow', '--json', '--limit', '1'], env);
    try {
      // The newest entry first; then a new request appears.
      while (!follow.stdout().includes('\n')) await once(follow.child.stdout!, 'data');
      const before = follow.stdout().split('\n').filter(Boolean).length;
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const response = await client.responses.create({
        model: TINY_MODEL,
        input: 'Hi',
        max_output_tokens: 4,
      });
      while (!follow.stdout().includes(response.id)) await once(follow.child.stdout!, 'data');
      assert.equal(follow.stdout().split('\n').filter(Boolean).length, before + 1);
    } finally {
      follow.child.kill('SIGINT');
      await once(follow.child, 'exit');
    }
  });

  test('with keys on the server, a remote command without one says how to pass it', async () => {
    const created = await runCli(['keys', 'create', '--admin', '--name', 'cli test'], env);
    const key = created.stdout.trim();
    const refused = await runCli(['gateways', 'list', ...remote], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--key or PORTICO_API_KEY/);
    const withKey = { ...env, PORTICO_API_KEY: key };
    const allowed = await runCli(['gateways', 'list', ...remote], withKey);
    assert.equal(allowed.code, 0, allowed.stderr);
    const other = await runCli(
      ['keys', 'create', '--name', 'remote one', '--models', 'local/*', '--json', ...remote],
      withKey,
    );
    const { id, key: otherKey } = JSON.parse(other.stdout) as { id: string; key: string };
    assert.match(otherKey, /^ptk_/);
    assert.match(
      (await runCli(['keys', 'list', ...remote], withKey)).stdout,
      new RegExp(`^${id}\\s+remote one\\s+default\\s+\\S+\\s+local/\\*\\s+active`, 'm'),
    );
    assert.equal((await runCli(['keys', 'revoke', id, ...remote], withKey)).code, 0);
    const logs = await runCli(['logs', '--json', '--limit', '3', ...remote], withKey);
    assert.equal(logs.stdout.trim().split('\n').length, 3);
    const narrow = await runCli(['keys', 'list', ...remote], { ...env, PORTICO_API_KEY: otherKey });
    assert.equal(narrow.code, 1);
    const empty = await runCli(['keys', 'create', '--models', '', ...remote], withKey);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /a key allows at least one model; leave models out to allow every model/);
    const plain = await runCli(['keys', 'create', '--name', 'plain', ...remote], withKey);
    const forbidden = await runCli(['keys', 'list', ...remote], {
      ...env,
      PORTICO_API_KEY: plain.stdout.trim(),
    });
    assert.equal(forbidden.code, 1);
    assert.equal(forbidden.stderr.match(/admin key/g)?.length, 1, forbidden.stderr);
    const unreachable = await runCli(['stats', '--url', 'http://127.0.0.1:9'], env);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach Portico at http:\/\/127\.0\.0\.1:9 .*portico serve/);
    const notUrl = await runCli(['stats', '--url', 'notaurl'], env);
    assert.equal(notUrl.code, 1);
    assert.match(
      notUrl.stderr,
      /^portico: --url \(PORTICO_URL\) takes a server's http\(s\) URL .*not 'notaurl'/,
    );
  });
});

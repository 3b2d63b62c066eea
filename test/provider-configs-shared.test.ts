// Needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL) for the PostgreSQL cases.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { admin, freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { spawnServe } from './support/spawn-serve.ts';

const TEXT = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
const FIRST = 'sk-shared-first-key-5555555555555555';
const SECOND = 'sk-shared-second-key-6666666666666666';
const CONFIGS = '/v1/gateways/team/provider_configs';

function config(upstreamUrl: string) {
  return {
    providers: { loop: { type: 'chat-completions', base_url: `${upstreamUrl}/v1`, api_key_env: 'LOOP_KEY' } },
    models: [{ id: 'loop/model', provider: 'loop', context_window: 8000 }],
  };
}

/** A new gateway `team` on `gateway` with a default key for `loop`: the config's id. */
async function storeKey(gateway: GatewayUnderTest, secret: string): Promise<string> {
  assert.equal((await gateway.request('POST', '/v1/gateways', { id: 'team' })).status, 201);
  const made = await gateway.request('POST', CONFIGS, {
    provider_slug: 'loop',
    alias: 'main',
    default_config: true,
    secret,
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  return made.json.id as string;
}

const ask = (url: string) =>
  fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-aig-gateway-id': 'team' },
    body: JSON.stringify({ model: 'loop/model', input: 'hi' }),
  });

describe('stored provider keys shared by several processes', () => {
  let upstream: ReplayServer;
  before(async () => {
    upstream = await startReplayServer(() => TEXT);
  });
  after(() => upstream.close());
  const sentKey = () => upstream.requests.at(-1)?.headers.authorization;

  test('a second server process on the same data folder uses the key, and sees it rotated', async () => {
    const gateway = await startGateway({ config: config(upstream.url), env: { LOOP_KEY: 'sk-configured' } });
    const dir = mkdtempSync(join(tmpdir(), 'portico-byok-'));
    const file = join(dir, 'portico.json');
    writeFileSync(file, JSON.stringify(config(upstream.url)));
    const id = await storeKey(gateway, FIRST);
    const other = await spawnServe(['--config', file, '--data-dir', gateway.dataDir], {
      PATH: process.env.PATH,
      LOOP_KEY: 'sk-configured',
    });
    try {
      assert.equal((await ask(other.url)).status, 200);
      assert.equal(sentKey(), `Bearer ${FIRST}`, 'the other process opened the key with the shared key file');
      await gateway.request('PATCH', `${CONFIGS}/${id}`, { secret: SECOND });
      // The other process reads the configs again once its short cache lapses (PROVIDER_CONFIG_CACHE_MS).
      let seen: string | undefined;
      for (let tries = 0; tries < 200 && seen !== `Bearer ${SECOND}`; tries++) {
        assert.equal((await ask(other.url)).status, 200);
        seen = sentKey();
        if (seen !== `Bearer ${SECOND}`) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(seen, `Bearer ${SECOND}`);
      // Stored and refused through the other process: neither leaves the secret in its log lines.
      const third = 'sk-shared-third-key-8888888888888888';
      const store = (body: unknown) =>
        fetch(`${other.url}${CONFIGS}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      assert.equal((await store({ provider_slug: 'loop', alias: 'third', secret: third })).status, 201);
      const refused = await store({ provider_slug: 'nowhere', alias: 'x', secret: third });
      assert.equal(refused.status, 400);
      assert.ok(!(await refused.text()).includes(third), 'not in the error');
      for (const secret of [FIRST, SECOND, third])
        assert.ok(!other.stderr().includes(secret), 'not in its log lines');
    } finally {
      await other.stop();
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a PORTICO_SECRETS_KEY that is no key stops the server at start, saying what it must be', async () => {
    await assert.rejects(
      startGateway({ config: config(upstream.url), env: { PORTICO_SECRETS_KEY: 'too-short' } }),
      /PORTICO_SECRETS_KEY must be base64 of 32 random bytes \(make one with: openssl rand -base64 32\)/,
    );
  });

  describe('on PostgreSQL', () => {
    let schema: string;
    let drop: () => Promise<void>;
    const secretsKey = randomBytes(32).toString('base64');
    const env = (extra: NodeJS.ProcessEnv = {}) => ({
      LOOP_KEY: 'sk-configured',
      PORTICO_DATABASE_URL: TEST_DATABASE_URL,
      PORTICO_DATABASE_SCHEMA: schema,
      ...extra,
    });
    before(async () => ({ schema, drop } = await freshSchema()));
    after(() => drop());

    test('without PORTICO_SECRETS_KEY storing a key is refused, saying what to set', async () => {
      const gateway = await startGateway({ config: config(upstream.url), env: env() });
      try {
        assert.equal((await gateway.request('POST', '/v1/gateways', { id: 'nokey' })).status, 201);
        const refused = await gateway.request('POST', '/v1/gateways/nokey/provider_configs', {
          provider_slug: 'loop',
          alias: 'main',
          secret: FIRST,
        });
        assert.equal(refused.status, 400, JSON.stringify(refused.json));
        assert.match((refused.json.error as { message: string }).message, /set PORTICO_SECRETS_KEY/);
        assert.ok(!JSON.stringify(refused.json).includes(FIRST));
      } finally {
        await gateway.stop();
      }
    });

    test('with PORTICO_SECRETS_KEY keys are stored sealed, used and rotated; another key cannot open them', async () => {
      const gateway = await startGateway({
        config: config(upstream.url),
        env: env({ PORTICO_SECRETS_KEY: secretsKey }),
      });
      try {
        const id = await storeKey(gateway, FIRST);
        assert.equal((await ask(gateway.url)).status, 200);
        assert.equal(sentKey(), `Bearer ${FIRST}`);
        await gateway.request('PATCH', `${CONFIGS}/${id}`, { secret: SECOND });
        assert.equal((await ask(gateway.url)).status, 200);
        assert.equal(sentKey(), `Bearer ${SECOND}`);
        const rows = await admin(`SELECT * FROM ${schema}.provider_configs`);
        assert.equal(rows.rows.length, 1);
        assert.ok(!JSON.stringify(rows.rows).includes(SECOND) && !JSON.stringify(rows.rows).includes(FIRST));
      } finally {
        await gateway.stop();
      }

      const wrong = await startGateway({
        config: config(upstream.url),
        env: env({ PORTICO_SECRETS_KEY: randomBytes(32).toString('base64') }),
      });
      try {
        const failed = await ask(wrong.url);
        assert.equal(failed.status, 500);
        const error = ((await failed.json()) as { error: { code: string; message: string } }).error;
        assert.equal(error.code, 'provider_config_unreadable');
        assert.match(error.message, /provider config 'pc_[^']+' \(alias 'main'/);
        assert.ok(!error.message.includes(SECOND));
        const listed = await wrong.request('GET', CONFIGS);
        assert.equal(listed.status, 200, 'the configs are still listed, their previews readable');
        assert.equal(
          (await wrong.request('POST', '/v1/responses', { model: 'loop/model', input: 'hi' })).status,
          200,
        );
      } finally {
        await wrong.stop();
      }
    });
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { sharedModelsDir, TINY_MODEL } from './support/portico.ts';
import { startScriptedUpstream } from './support/scripted-upstream.ts';
import type { ReplayServer } from './support/replay-server.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';
import { withYoungGeneration, YOUNG_GENERATION_FLAG } from '../src/workers/young-generation.ts';

/** A POST on a connection of its own (so the cluster hands it to the next worker), its status and JSON. */
function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return send('POST', url, body, headers);
}

/** A request on a connection of its own, its status and JSON. */
function send(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: { 'content-type': 'application/json', connection: 'close', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `GET /metrics` on a connection of its own: its text. */
function scrapeMetrics(base: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/metrics`, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The processes whose parent is `parent` (from /proc). */
function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false; // ended while we looked
      }
    });
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return []; // ended while we looked
  }
}

describe('portico serve --workers 2', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-workers-'));
  let portico: ServeProcess;
  let upstream: ReplayServer;
  const config = join(dataDir, 'portico.json');
  const RATE = 6;

  before(async () => {
    // A model that runs the code after `run:` in the code interpreter, then says what it printed.
    upstream = await startScriptedUpstream(({ input }) => {
      const asked = input.findLastIndex((item) => item.type === 'message' && item.role === 'user');
      const output = input.slice(asked).find((item) => item.type === 'function_call_output');
      if (output) return [{ type: 'message', text: String(output.output) }];
      const text = String((input[asked] as { content: Array<{ text: string }> }).content[0]!.text);
      return [{ type: 'function_call', name: 'python', arguments: JSON.stringify({ code: text.slice(4) }) }];
    });
    writeFileSync(
      config,
      JSON.stringify({
        providers: { scripted: { type: 'openai', base_url: `${upstream.url}/v1` } },
        models: [{ id: 'scripted/agent', provider: 'scripted', context_window: 8192 }],
        tools: { run_for_openai: true, code_interpreter: { timeout_ms: 20000 } },
        local: { threads: 1, context_size: 512 },
        gateways: {
          default: { authentication: false },
          tight: { authentication: false, rate_limit: { limit: RATE, period: 3600, technique: 'fixed' } },
          counted: { authentication: false },
        },
      }),
    );
    portico = await spawnServe(['--workers', '2', '--config', config, '--models-dir', sharedModelsDir], {
      ...process.env,
      PORTICO_DATA_DIR: dataDir,
      OPENAI_API_KEY: '',
    });
    // Portico listens once the first worker does; the second joins as it starts.
    const deadline = Date.now() + 30_000;
    while (!portico.stderr().includes('"message":"every worker listening"')) {
      assert.ok(Date.now() < deadline, `the second worker never listened:\n${portico.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  after(async () => {
    if (portico?.child.exitCode === null) await portico.stop();
    await upstream?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ask = (gateway: string) =>
    post(
      `${portico.url}/v1/responses`,
      { model: TINY_MODEL, input: 'Once upon a time', max_output_tokens: 3 },
      { 'cf-aig-gateway-id': gateway },
    );

  test('two processes answer on one port from one data directory, and read each other’s responses', async () => {
    assert.match(portico.stderr(), /listening on http:\/\/127\.0\.0\.1:\d+\/v1 \(2 workers\)/);
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const answer = await post(`${portico.url}/v1/responses`, {
        model: TINY_MODEL,
        input: 'Once upon a time',
        max_output_tokens: 3,
      });
      assert.equal(answer.status, 200);
      assertMatchesSchema('Response', answer.json);
      answers.push(answer.json);
    }
    const db = new Sqlite(join(dataDir, 'portico.db'), { readonly: true });
    const instances = db.prepare('SELECT COUNT(DISTINCT instance) AS n FROM responses').get() as {
      n: number;
    };
    db.close();
    assert.equal(instances.n, 2, 'both workers stored responses');
    // Each continuation lands on the other worker half the time: the chain is in the shared store.
    for (const previous of answers.slice(0, 4)) {
      const next = await post(`${portico.url}/v1/responses`, {
        model: TINY_MODEL,
        input: 'And then',
        max_output_tokens: 2,
        previous_response_id: previous.id,
      });
      assert.equal(next.status, 200, JSON.stringify(next.json));
    }
  });

  test('the workers run with the young generation Portico gives its servers (from /proc)', () => {
    // The workers run `serve` again; node-llama-cpp may have a short-lived child of its own.
    const argv = childrenOf(portico.child.pid!)
      .map(cmdline)
      .filter((args) => args.includes('serve'));
    assert.equal(argv.length, 2, 'two workers');
    for (const args of argv) assert.ok(args.includes(YOUNG_GENERATION_FLAG), args.join(' '));
    assert.deepEqual(withYoungGeneration(['--max-semi-space-size=64']), ['--max-semi-space-size=64']);
  });

  test("the local model is loaded once, by the primary, for both workers, with the file's local settings", () => {
    const loads = portico
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"message":"local model loaded"'))
      .map((line) => JSON.parse(line) as { contextSize: number; threads: number });
    assert.equal(loads.length, 1);
    assert.equal(loads[0]!.contextSize, 512);
    assert.equal(loads[0]!.threads, 1);
  });

  test("the local model's embeddings and token counts come from the primary, for either worker", async () => {
    // Each request on a connection of its own: the cluster hands them to the workers in turn.
    const vectors: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await post(`${portico.url}/v1/embeddings`, {
        model: TINY_MODEL,
        input: 'Once upon a time',
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const [first] = answer.json.data as Array<{ embedding: number[] }>;
      assert.ok(first!.embedding.length > 0);
      vectors.push(first!.embedding);
    }
    for (const vector of vectors.slice(1)) assert.deepEqual(vector, vectors[0]);
    const counts = new Set<unknown>();
    for (let i = 0; i < 2; i++) {
      const answer = await post(`${portico.url}/v1/responses/input_tokens`, {
        model: TINY_MODEL,
        input: 'Once upon a time',
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      counts.add(answer.json.input_tokens);
    }
    assert.equal(counts.size, 1);
    assert.ok(([...counts][0] as number) > 0);
  });

  test("a container's Python state is one for both workers, and its interpreter ends with it", async () => {
    const tools = [{ type: 'code_interpreter', container: { type: 'auto' } }];
    const containers = new Set<string>();
    // The two requests of each pair come on connections of their own: to the two workers in turn.
    for (let i = 0; i < 4; i++) {
      const first = await post(`${portico.url}/v1/responses`, {
        model: 'scripted/agent',
        input: `run:secret = ${i} * 7`,
        tools,
      });
      assert.equal(first.status, 200, JSON.stringify(first.json));
      const second = await post(`${portico.url}/v1/responses`, {
        model: 'scripted/agent',
        input: 'run:print(secret)',
        tools,
        previous_response_id: first.json.id,
      });
      assert.equal(second.json.output_text, `${i * 7}\n`, JSON.stringify(second.json.output));
      for (const item of second.json.output as Array<{ container_id?: string }>)
        if (item.container_id) containers.add(item.container_id);
    }
    assert.equal(containers.size, 4);
    // Files cross too: one the code writes is stored by the worker that ran it, and one uploaded
    // through the other worker reaches the interpreter on the next run.
    const [container] = containers;
    const wrote = await post(`${portico.url}/v1/responses`, {
      model: 'scripted/agent',
      input: 'run:open("/mnt/data/out.txt", "w").write("written")',
      tools: [{ type: 'code_interpreter', container }],
    });
    assert.equal(wrote.status, 200, JSON.stringify(wrote.json));
    const form = new FormData();
    form.append('file', new Blob(['uploaded']), 'in.txt');
    const uploaded = await fetch(`${portico.url}/v1/containers/${container}/files`, {
      method: 'POST',
      body: form,
      headers: { connection: 'close' },
    });
    assert.equal(uploaded.status, 200, await uploaded.text());
    const read = await post(`${portico.url}/v1/responses`, {
      model: 'scripted/agent',
      input: 'run:print(open("/mnt/data/out.txt").read(), open("/mnt/data/in.txt").read())',
      tools: [{ type: 'code_interpreter', container }],
    });
    assert.equal(read.json.output_text, 'written uploaded\n', JSON.stringify(read.json.output));
    const files = await send('GET', `${portico.url}/v1/containers/${container}/files`);
    assert.deepEqual((files.json.data as Array<{ path: string }>).map((file) => file.path).sort(), [
      '/mnt/data/in.txt',
      '/mnt/data/out.txt',
    ]);
    // The interpreters are the primary's children: one per container, ended when it is deleted.
    const interpreters = () =>
      childrenOf(portico.child.pid!).filter((pid) =>
        cmdline(pid).some((arg) => arg.endsWith('python-sandbox.mjs')),
      );
    assert.equal(interpreters().length, 4);
    for (const id of containers)
      assert.equal((await send('DELETE', `${portico.url}/v1/containers/${id}`)).status, 200);
    const deadline = Date.now() + 10_000;
    while (interpreters().length > 0) {
      assert.ok(Date.now() < deadline, 'the deleted containers’ interpreters still run');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  test('responses on one conversation take turns whichever worker runs them', async () => {
    const conversation = await post(`${portico.url}/v1/conversations`, {
      items: [{ type: 'message', role: 'user', content: 'Once upon a time' }],
    });
    assert.equal(conversation.status, 200, JSON.stringify(conversation.json));
    // Sent at once, on connections of their own: one to each worker.
    const answers = await Promise.all(
      [0, 1].map(() =>
        post(`${portico.url}/v1/responses`, {
          model: TINY_MODEL,
          conversation: conversation.json.id,
          input: 'Go on',
          max_output_tokens: 40,
        }),
      ),
    );
    const inputTokens = answers.map((answer) => {
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      return (answer.json.usage as { input_tokens: number }).input_tokens;
    });
    // The one that went second read the first one's turn as its history.
    assert.notEqual(inputTokens[0], inputTokens[1]);
    const items = await send(
      'GET',
      `${portico.url}/v1/conversations/${String(conversation.json.id)}/items?order=asc`,
    );
    assert.equal((items.json.data as unknown[]).length, 5);
  });

  test("a gateway's rate limit counts the requests of both workers together", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 3; i++) statuses.push((await ask('tight')).status);
    assert.deepEqual(statuses, [...Array<number>(RATE).fill(200), 429, 429, 429]);
  });

  test('/metrics counts the requests of every worker, whichever worker answers the scrape', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await ask('counted')).status, 200);
    // Each scrape on a connection of its own: the cluster hands them to the workers in turn.
    for (let scrape = 0; scrape < 4; scrape++) {
      const text = await scrapeMetrics(portico.url);
      const requests = text.match(
        /^portico_requests_total\{gateway="counted",[^}]*status="200"[^}]*\} (\d+)$/m,
      );
      assert.equal(requests?.[1], '5', text);
      assert.match(text, /^portico_request_duration_seconds_count\{gateway="counted"\} 5$/m);
      // The primary and both workers: their memory is the server's.
      assert.match(text, /^portico_processes 3$/m);
    }
  });

  test('SIGTERM shuts every worker down and the primary exits 0', async () => {
    assert.equal(await portico.stop(), 0);
    assert.match(portico.stderr(), /Shutting down/);
  });
});

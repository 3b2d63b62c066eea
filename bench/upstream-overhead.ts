/**
 * Portico's added latency over calling an upstream directly, for a fast local upstream that
 * speaks the OpenAI Responses API, non-streaming and streaming, p50 and p99, measured in one
 * run and printed as a difference and a ratio.
 *
 *   npm run bench:overhead [-- --requests 300 --deltas 20]
 *
 * The upstream answers at once from memory (a recorded-shape stream of `--deltas` text
 * deltas), so what differs between the two paths is Portico: parsing, the engine's event
 * lifecycle, the provider's translation and the SSE or JSON answer. Portico runs as a child
 * process (`portico serve` with a config naming the upstream, `store: false` per request);
 * requests are sequential and the two paths alternate so noise hits both alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServe } from '../test/support/spawn-serve.ts';
import { startUpstream } from './support/fast-upstream.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, deltas: { type: 'string', default: '20' } },
});
const requests = Number(values.requests);
const deltas = Number(values.deltas);

async function startPortico(upstreamUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-overhead-'));
  const config = join(dir, 'portico.json');
  writeFileSync(
    config,
    JSON.stringify({
      providers: { fast: { type: 'openai', base_url: upstreamUrl, api_key_env: 'FAST_UPSTREAM_KEY' } },
      models: [{ id: 'fast/model', provider: 'fast', upstream_model: 'fast', context_window: 128000 }],
    }),
  );
  const server = await spawnServe(
    ['--data-dir', dir, '--models-dir', join(dir, 'none'), '--config', config],
    {
      ...process.env,
      FAST_UPSTREAM_KEY: 'bench-key-not-secret',
      OPENAI_API_KEY: '',
    },
  );
  return {
    url: `${server.url}/v1`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Timing {
  firstByteMs: number;
  totalMs: number;
}

/** One POST over a kept-alive connection: time to the first body byte and to the end. */
function timedPost(url: string, body: string, agent: import('node:http').Agent): Promise<Timing> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/responses`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res: IncomingMessage) => {
        let firstByteMs = -1;
        res.on('data', () => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          else resolve({ firstByteMs, totalMs: performance.now() - started });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const upstream = await startUpstream(deltas);
  const portico = await startPortico(upstream.url);
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const rows: string[] = [];
    for (const stream of [false, true]) {
      const direct: Timing[] = [];
      const through: Timing[] = [];
      const directBody = JSON.stringify({ model: 'fast', input: 'Hi', stream, store: false });
      const porticoBody = JSON.stringify({ model: 'fast/model', input: 'Hi', stream, store: false });
      for (let i = 0; i < 20; i++) {
        await timedPost(upstream.url, directBody, agent);
        await timedPost(portico.url, porticoBody, agent);
      }
      for (let i = 0; i < requests; i++) {
        direct.push(await timedPost(upstream.url, directBody, agent));
        through.push(await timedPost(portico.url, porticoBody, agent));
      }
      const measures: Array<[string, (t: Timing) => number]> = stream
        ? [
            ['streaming, first byte', (t) => t.firstByteMs],
            ['streaming, whole stream', (t) => t.totalMs],
          ]
        : [['non-streaming', (t) => t.totalMs]];
      for (const [name, pick] of measures) {
        for (const p of [50, 99]) {
          const d = percentile(direct.map(pick), p);
          const t = percentile(through.map(pick), p);
          rows.push(
            `${`${name} p${p}`.padEnd(30)} direct ${d.toFixed(2).padStart(7)} ms   Portico ${t.toFixed(2).padStart(7)} ms   added ${(t - d).toFixed(2).padStart(6)} ms   ratio ${(t / d).toFixed(2).padStart(5)}`,
          );
        }
      }
    }
    console.log(
      `${requests} sequential requests per path, ${deltas} text deltas per answer, keep-alive connections`,
    );
    for (const row of rows) console.log(row);
  } finally {
    agent.destroy();
    await portico.stop();
    upstream.close();
  }
}

await main();

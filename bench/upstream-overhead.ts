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
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServe } from '../test/support/spawn-serve.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, deltas: { type: 'string', default: '20' } },
});
const requests = Number(values.requests);
const deltas = Number(values.deltas);

function upstreamResponse(id: string, text: string) {
  return {
    id,
    object: 'response',
    created_at: 1_790_000_000,
    status: 'completed',
    model: 'fast',
    output: [
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
      },
    ],
    usage: {
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: deltas,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 5 + deltas,
    },
  };
}

/** The SSE body an OpenAI Responses upstream sends for a short text answer. */
function upstreamStream(): string {
  const words = Array.from({ length: deltas }, (_, i) => `word${i} `);
  const events: Array<Record<string, unknown>> = [];
  const base = upstreamResponse('resp_up', words.join(''));
  events.push({ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } });
  events.push({
    type: 'response.output_item.added',
    output_index: 0,
    item: { type: 'message', id: 'msg_1', role: 'assistant', status: 'in_progress', content: [] },
  });
  events.push({
    type: 'response.content_part.added',
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
  });
  for (const delta of words)
    events.push({
      type: 'response.output_text.delta',
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta,
      logprobs: [],
    });
  events.push({
    type: 'response.output_text.done',
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    text: words.join(''),
    logprobs: [],
  });
  events.push({ type: 'response.output_item.done', output_index: 0, item: base.output[0] });
  events.push({ type: 'response.completed', response: base });
  return events
    .map((e, i) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`)
    .join('');
}

async function startUpstream(): Promise<{ url: string; close: () => void }> {
  const stream = upstreamStream();
  const json = JSON.stringify(upstreamResponse('resp_up', 'x'));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const streaming = (JSON.parse(body) as { stream?: boolean }).stream === true;
      res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
      res.end(streaming ? stream : json);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => server.close(),
  };
}

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
  const upstream = await startUpstream();
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

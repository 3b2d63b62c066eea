/**
 * Portico beside itself on more than one machine's worth of state: requests/s and CPU per
 * request for SQLite, PostgreSQL, PostgreSQL with Redis, and two replicas on PostgreSQL and
 * Redis, printed as ratios against SQLite measured in the same run; then the RSS of one server
 * after repeated load runs and a rest, to show memory returns to a plateau instead of growing.
 *
 *   npm run bench:scale [-- --requests 600 --rounds 3 --concurrency 16 --rss-rounds 6]
 *
 * Every setup is `portico serve` child processes answering non-streaming, stored responses
 * from an in-memory stand-in for OpenAI's Responses API that answers at once, through the
 * default gateway with a rate limit (memory or Redis) and its request logs. Load is split
 * evenly over the replicas. CPU is the servers' own (user + system from
 * /proc), not the load generator's or the upstream's. The setups alternate round by round so
 * noise hits each alike; medians are printed. Needs PostgreSQL and Redis on loopback
 * (PORTICO_BENCH_DATABASE_URL, PORTICO_BENCH_REDIS_URL).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { spawnServe, type ServeProcess } from '../test/support/spawn-serve.ts';
import { startUpstream } from './support/fast-upstream.ts';
import { load as send } from './support/load.ts';
import { cpuMicros } from './support/proc-cpu.ts';
import { median } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    'rss-rounds': { type: 'string', default: '6' },
  },
});
const requests = Number(values.requests);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const rssRounds = Number(values['rss-rounds']);
const databaseUrl = process.env.PORTICO_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.PORTICO_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const upstream = await startUpstream(20);
const root = mkdtempSync(join(tmpdir(), 'portico-bench-scale-'));
const config = join(root, 'portico.yaml');
writeFileSync(
  config,
  [
    'providers:',
    `  fast: { type: openai, base_url: ${upstream.url}, api_key_env: FAST_UPSTREAM_KEY }`,
    'models:',
    '  - { id: fast/model, provider: fast, upstream_model: fast, context_window: 128000 }',
    'gateways:',
    '  default: { rate_limit: { limit: 100000000, period: 60, technique: fixed } }',
  ].join('\n'),
);
const schema = `bench_scale_${process.pid}`;
const prefix = `bench-scale:${process.pid}:`;
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();

interface Setup {
  name: string;
  replicas: number;
  env: NodeJS.ProcessEnv;
}
const base = {
  PATH: process.env.PATH,
  PORTICO_SHUTDOWN_GRACE_MS: '0',
  FAST_UPSTREAM_KEY: 'bench-not-secret',
};
const postgres = { PORTICO_DATABASE_URL: databaseUrl, PORTICO_DATABASE_SCHEMA: schema };
const redis = { PORTICO_REDIS_URL: redisUrl, PORTICO_REDIS_PREFIX: prefix };
const setups: Setup[] = [
  { name: 'SQLite, 1 replica', replicas: 1, env: base },
  { name: 'PostgreSQL, 1 replica', replicas: 1, env: { ...base, ...postgres } },
  { name: 'PostgreSQL + Redis, 1 replica', replicas: 1, env: { ...base, ...postgres, ...redis } },
  { name: 'PostgreSQL + Redis, 2 replicas', replicas: 2, env: { ...base, ...postgres, ...redis } },
];

function rssMb(pid: number): number {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(rss?.[1] ?? 0) / 1024;
}

async function start(setup: Setup, dataDir: string): Promise<ServeProcess[]> {
  const servers: ServeProcess[] = [];
  for (let n = 0; n < setup.replicas; n++)
    servers.push(
      await spawnServe(['--config', config, '--data-dir', dataDir, '--models-dir', root], setup.env),
    );
  return servers;
}

/** `requests` POSTs, `concurrency` at a time, split evenly over the servers; requests/s and server CPU per request. */
async function load(servers: ServeProcess[]): Promise<{ rps: number; cpuMsPerRequest: number }> {
  const pids = servers.map((server) => server.child.pid!);
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const body = JSON.stringify({ model: 'fast/model', input: 'hi' });
  const started = performance.now();
  const each = Math.ceil(requests / servers.length);
  const clients = Math.max(1, Math.floor(concurrency / servers.length));
  await Promise.all(servers.map((server) => send(`${server.url}/v1/responses`, () => body, each, clients)));
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = (pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - cpuBefore) / 1000;
  const done = each * servers.length;
  return { rps: done / elapsed, cpuMsPerRequest: cpuMs / done };
}

/** The server's `portico_heap_used_bytes` gauge, in MB. */
async function heapUsedMb(server: ServeProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^portico_heap_used_bytes (\d+)/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
}

const results = new Map<string, Array<{ rps: number; cpuMsPerRequest: number }>>();
try {
  const running = new Map<string, ServeProcess[]>();
  for (const setup of setups) {
    const servers = await start(setup, join(root, setup.name.replace(/\W+/g, '-')));
    running.set(setup.name, servers);
    await load(servers); // warm-up: connections, JIT, prepared statements
    results.set(setup.name, []);
  }
  for (let round = 0; round < rounds; round++)
    for (const setup of setups) results.get(setup.name)!.push(await load(running.get(setup.name)!));

  // Memory: repeated load runs on one server, its RSS and JavaScript heap after each, then after a rest.
  const [single] = running.get(setups[0]!.name)!;
  const rss: number[] = [rssMb(single!.child.pid!)];
  const heap: number[] = [await heapUsedMb(single!)];
  for (let round = 0; round < rssRounds; round++) {
    await load([single!]);
    rss.push(rssMb(single!.child.pid!));
    heap.push(await heapUsedMb(single!));
  }
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const rested = rssMb(single!.child.pid!);
  const restedHeap = await heapUsedMb(single!);
  for (const servers of running.values()) for (const server of servers) await server.stop();

  const baseline = results.get(setups[0]!.name)!;
  const baseRps = median(baseline.map((r) => r.rps));
  const baseCpu = median(baseline.map((r) => r.cpuMsPerRequest));
  const lines = [
    `non-streaming stored responses, ${concurrency} clients, ${requests} per run, ${rounds} rounds, medians`,
    `${'setup'.padEnd(32)} ${'requests/s'.padStart(10)} ${'ratio'.padStart(6)} ${'CPU ms/request'.padStart(15)} ${'ratio'.padStart(6)}`,
  ];
  for (const setup of setups) {
    const runs = results.get(setup.name)!;
    const rps = median(runs.map((r) => r.rps));
    const cpu = median(runs.map((r) => r.cpuMsPerRequest));
    lines.push(
      `${setup.name.padEnd(32)} ${rps.toFixed(0).padStart(10)} ${(rps / baseRps).toFixed(2).padStart(6)} ${cpu.toFixed(2).padStart(15)} ${(cpu / baseCpu).toFixed(2).padStart(6)}`,
    );
  }
  lines.push(
    `RSS of one server (SQLite) before and after each of ${rssRounds} load runs: ${rss.map((mb) => mb.toFixed(0)).join(' -> ')} MB; after 5 s at rest: ${rested.toFixed(0)} MB`,
    `JavaScript heap in use after each: ${heap.map((mb) => mb.toFixed(0)).join(' -> ')} MB; after the rest: ${restedHeap.toFixed(0)} MB`,
    `RSS last run / first run: ${(rss.at(-1)! / rss[1]!).toFixed(2)}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  upstream.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  const keys = new Redis(redisUrl);
  const found = await keys.keys(`${prefix}*`);
  if (found.length) await keys.del(...found);
  keys.disconnect();
  rmSync(root, { recursive: true, force: true });
}

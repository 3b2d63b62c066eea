/**
 * Which Redis client the rate limiter and the cache use, decided by measurement: the same
 * round trips Portico makes per request (the sliding-window script, a cache read and a cache
 * write with an absolute expiry) through `@redis/client` and `ioredis`, 16 at a time,
 * alternating rounds, printing operations/s, CPU per operation and the ratios. Needs Redis at
 * PORTICO_BENCH_REDIS_URL (default redis://127.0.0.1:6379); keys under `bench:<pid>:`.
 *
 *   node --import tsx bench/redis-clients.ts [rounds] [operations]
 */
import { createClient } from '@redis/client';
import { Redis } from 'ioredis';
import { SLIDING_WINDOW_SCRIPT } from '../src/gateway/redis-rate-limiter.ts';
import { median } from './support/stats.ts';

const url = process.env.PORTICO_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const rounds = Number(process.argv[2] ?? 5);
const operations = Number(process.argv[3] ?? 4000);
const concurrency = 16;
const prefix = `bench:${process.pid}:`;
const answer = JSON.stringify({ model: 'm', events: [{ type: 'text-delta', delta: 'x'.repeat(2000) }] });

interface Client {
  slide(key: string, now: number, member: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, at: number): Promise<unknown>;
}

const nodeRedis = createClient({ url });
await nodeRedis.connect();
const ioredis = new Redis(url, { lazyConnect: true });
await ioredis.connect();
const sha = await nodeRedis.scriptLoad(SLIDING_WINDOW_SCRIPT);

const clients: Record<string, Client> = {
  '@redis/client': {
    slide: (key, now, member) =>
      nodeRedis.evalSha(sha, { keys: [key], arguments: [String(now), '60000', '1000000', member] }),
    get: (key) => nodeRedis.get(key),
    set: (key, value, at) => nodeRedis.set(key, value, { expiration: { type: 'PXAT', value: at } }),
  },
  ioredis: {
    slide: (key, now, member) => ioredis.evalsha(sha, 1, key, now, 60000, 1000000, member),
    get: (key) => ioredis.get(key),
    set: (key, value, at) => ioredis.set(key, value, 'PXAT', at),
  },
};

async function timed(name: string, round: number): Promise<{ rate: number; cpuUs: number }> {
  const client = clients[name]!;
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < operations; n = next++) {
        const now = Date.now();
        await client.slide(`${prefix}rl:${n % 64}`, now, `${now}:${name}:${round}:${n}`);
        await client.get(`${prefix}c:${n % 256}`);
        await client.set(`${prefix}c:${n % 256}`, answer, now + 60_000);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    rate: operations / ((performance.now() - started) / 1000),
    cpuUs: (used.user + used.system) / operations,
  };
}

const results: Record<string, Array<{ rate: number; cpuUs: number }>> = { '@redis/client': [], ioredis: [] };
try {
  for (const name of Object.keys(clients)) await timed(name, -1);
  for (let round = 0; round < rounds; round++)
    for (const name of Object.keys(clients)) results[name]!.push(await timed(name, round));
} finally {
  const keys = await nodeRedis.keys(`${prefix}*`);
  if (keys.length) await nodeRedis.del(keys);
  await nodeRedis.quit();
  ioredis.disconnect();
}
const row = (name: string) => ({
  rate: median(results[name]!.map((r) => r.rate)),
  cpu: median(results[name]!.map((r) => r.cpuUs)),
});
const a = row('@redis/client');
const b = row('ioredis');
process.stdout.write(
  `per operation: sliding-window script + cache GET + cache SET PXAT (2 KB), ${operations} per round, ${rounds} rounds, ${concurrency} at a time\n` +
    `@redis/client  ${a.rate.toFixed(0)} ops/s  ${a.cpu.toFixed(1)} µs CPU/op\n` +
    `ioredis        ${b.rate.toFixed(0)} ops/s  ${b.cpu.toFixed(1)} µs CPU/op\n` +
    `ioredis / @redis/client: throughput ${(b.rate / a.rate).toFixed(2)}, CPU per op ${(b.cpu / a.cpu).toFixed(2)}\n`,
);

/**
 * What the gateway pipeline costs: CPU time per request through Portico with every gateway
 * feature on (a key checked, rate and spend limits, a cache lookup that misses, a log entry
 * with bodies, cost) against the same request through a gateway with them all off, and
 * against a bare node:http pipe proxy, in one run, printed as ratios.
 *
 *   npm run bench:pipeline [-- --requests 2000 --concurrency 8 --rounds 3 --deltas 20]
 *
 * The upstream is an in-memory stand-in for OpenAI's Responses API. Each server runs in its
 * own process and its CPU time is read from /proc before and after each phase, so the load
 * generator's own work is not counted. Phases alternate between the three paths for
 * `--rounds` rounds; medians are printed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnServe } from '../test/support/spawn-serve.ts';
import { writeFastPortico } from './support/fast-portico.ts';
import { startUpstream } from './support/fast-upstream.ts';
import { load } from './support/load.ts';
import { cpuMicros } from './support/proc-cpu.ts';
import { median } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    deltas: { type: 'string', default: '20' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const bin = fileURLToPath(new URL('../bin/portico.js', import.meta.url));

async function startPipe(target: string): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./support/pipe-proxy.ts', import.meta.url)), '0', target],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const upstream = await startUpstream(Number(values.deltas));
  const origin = upstream.url.replace(/\/v1$/, '');
  const { dir, config, env } = writeFastPortico('portico-pipeline-', upstream.url, {
    full: {
      cache_ttl: 300,
      rate_limit: { limit: 10_000_000, period: 60, technique: 'sliding' },
      spend_limit: { limit_usd: 1_000_000, period: 86_400 },
      collect_logs: true,
      log_payloads: true,
    },
    bare: { authentication: false, collect_logs: false },
  });
  const key = execFileSync(
    process.execPath,
    [bin, 'keys', 'create', '--name', 'bench', '--budget', '1000000/1d', '--rate-limit', '10000000/60s'],
    {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  ).trim();
  const portico = await spawnServe(['--config', config, '--models-dir', join(dir, 'none')], env);
  const pipe = await startPipe(origin);
  const paths = [
    { name: 'pipe proxy', url: `${pipe.url}/v1/responses`, pid: pipe.pid, model: 'fast', headers: {} },
    {
      name: 'Portico, gateway features off',
      url: `${portico.url}/v1/responses`,
      pid: portico.child.pid!,
      model: 'fast/model',
      headers: { 'cf-aig-gateway-id': 'bare' },
    },
    {
      name: 'Portico, full pipeline',
      url: `${portico.url}/v1/responses`,
      pid: portico.child.pid!,
      model: 'fast/model',
      headers: { 'cf-aig-gateway-id': 'full', authorization: `Bearer ${key}` },
    },
  ];
  let unique = 0;
  try {
    for (const stream of [false, true]) {
      const cpu = new Map<string, number[]>(paths.map((p) => [p.name, []]));
      const p50 = new Map<string, number[]>(paths.map((p) => [p.name, []]));
      const body = (model: string) => () => JSON.stringify({ model, input: `Hi ${unique++}`, stream });
      for (const path of paths) await load(path.url, body(path.model), 200, concurrency, path.headers); // warm up
      for (let round = 0; round < rounds; round++) {
        for (const path of paths) {
          const before = cpuMicros(path.pid);
          const latencies = await load(path.url, body(path.model), requests, concurrency, path.headers);
          cpu.get(path.name)!.push((cpuMicros(path.pid) - before) / requests);
          p50.get(path.name)!.push(median(latencies));
        }
      }
      const [pipeCpu, bareCpu, fullCpu] = paths.map((p) => median(cpu.get(p.name)!));
      console.log(
        `\n${stream ? 'streaming' : 'non-streaming'}: ${requests} requests x ${rounds} rounds, ${concurrency} at a time`,
      );
      for (const path of paths)
        console.log(
          `  ${path.name.padEnd(32)} CPU ${median(cpu.get(path.name)!).toFixed(0).padStart(6)} µs/request   p50 ${median(p50.get(path.name)!).toFixed(2).padStart(6)} ms`,
        );
      console.log(`  full pipeline / features off: ${(fullCpu! / bareCpu!).toFixed(2)}x CPU`);
      console.log(`  full pipeline / pipe proxy:   ${(fullCpu! / pipeCpu!).toFixed(2)}x CPU`);
      console.log(`  features off / pipe proxy:    ${(bareCpu! / pipeCpu!).toFixed(2)}x CPU`);
    }
  } finally {
    pipe.stop();
    await portico.stop();
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

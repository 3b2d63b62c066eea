/**
 * A/B: CPU per proxied request of this checkout's build against another commit's, on the
 * bench:gateway setup (store, request logs and key auth on; a fast stand-in upstream).
 *
 *   npm run bench:ab -- --base <commit> [--stream] [--pairs 3 --rounds 4 --seconds 5 --warmup 10 --connections 32]
 *   npm run bench:ab -- --base HEAD   # A/A: this build against itself, to see the harness's own spread
 *
 * The base is checked out into a scratch worktree (node_modules linked from here) and built
 * there. Both servers run pinned to core 0, wrk and the upstream to core 1. The comparison is
 * made `--pairs` times, each on a fresh pair of server processes: one process can run 10%
 * faster or slower than another of the same build for its whole life (measured: a build A/B'd
 * against itself on one pair read 1.13), so rounds on one pair cannot tell builds apart by
 * less. Within a pair, after `--warmup` seconds of load each, rounds alternate which server goes
 * first; each round's ratio pairs two neighbouring phases. Printed: each pair's median ratio,
 * and the median and range over all rounds. Needs Linux, taskset, wrk and git.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt, requireTools } from './support/bench-setup.ts';
import { createBenchKey, startFastUpstream, writeFastPortico } from './support/fast-portico.ts';
import { startPinned, type PinnedProcess } from './support/pinned-process.ts';
import { serveWithoutModels } from './support/portico-command.ts';
import { processTree, treeCpuMicros } from './support/process-tree-cpu.ts';
import { wrk } from './support/wrk.ts';
import { median } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    stream: { type: 'boolean', default: false },
    pairs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
  },
});
if (!values.base) throw new Error('--base <commit> is needed: the build to compare this checkout with');
const SERVER_CORE = 0;
const LOAD_CORE = 1;
const root = fileURLToPath(new URL('..', import.meta.url));

requireTools(['wrk', 'taskset', 'git']);
ensureBuilt(root);

/** The base commit built in a scratch worktree that shares this checkout's node_modules. */
function buildBase(commit: string): { bin: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'portico-ab-base-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, commit], { cwd: root, stdio: 'ignore' });
  const remove = () => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
  } catch (error) {
    remove();
    throw error;
  }
  return { bin: join(dir, 'bin', 'portico.js'), remove };
}

const base = buildBase(values.base);
const bins = { this: join(root, 'bin', 'portico.js'), base: base.bin };
const upstream = await startFastUpstream(LOAD_CORE, 20);
// A data folder and a key each: a build may not open a database that a newer one migrated.
const builds = ['this', 'base'] as const;
type Build = (typeof builds)[number];
const setups = Object.fromEntries(
  builds.map((which) => [
    which,
    writeFastPortico(`portico-bench-ab-${which}-`, upstream.url, {
      default: { collect_logs: true, log_payloads: true },
    }),
  ]),
) as Record<Build, ReturnType<typeof writeFastPortico>>;
const listening = (out: string) => /listening on (http:\/\/\S+)\/v1/.exec(out)?.[1];

try {
  const keys = Object.fromEntries(
    builds.map((which) => [which, createBenchKey(bins[which], setups[which].env)]),
  ) as Record<Build, string>;
  const load = (server: PinnedProcess, key: string, seconds: number) =>
    wrk({
      url: `${server.url}/v1/responses`,
      headers: { authorization: `Bearer ${key}` },
      bodyTemplate: JSON.stringify({ model: 'fast/model', input: 'Say hi %s', stream: values.stream }),
      connections: Number(values.connections),
      seconds,
      core: LOAD_CORE,
    });
  const cpuPerRequest = async (server: PinnedProcess, key: string) => {
    const tree = processTree(server.pid);
    const before = treeCpuMicros(tree);
    const result = await load(server, key, Number(values.seconds));
    if (result.errors > 0) throw new Error(`${result.errors} of ${result.requests} requests failed`);
    return (treeCpuMicros(tree) - before) / result.requests;
  };

  console.log(
    `${values.stream ? 'streaming' : 'non-streaming'}, this checkout / ${values.base}, CPU per request: ` +
      `${values.pairs} pairs of servers, ${values.rounds} rounds of ${values.seconds} s each after ${values.warmup} s of warm-up`,
  );
  const all: number[] = [];
  for (let pair = 0; pair < Number(values.pairs); pair++) {
    // Started in turn first, so neither build always gets the first process's place.
    const order: Build[] = pair % 2 === 0 ? ['this', 'base'] : ['base', 'this'];
    const servers = {} as Record<Build, PinnedProcess>;
    try {
      // Inside the try: when the second fails to start, the first is stopped all the same.
      for (const which of order) {
        const { config, dir, env } = setups[which];
        servers[which] = await startPinned(
          SERVER_CORE,
          [...serveWithoutModels(bins[which], config, dir), '--workers', '1'],
          listening,
          { env },
        );
      }
      for (const which of order) await load(servers[which], keys[which], Number(values.warmup));
      const ratios: number[] = [];
      const costs = { this: [] as number[], base: [] as number[] };
      for (let round = 0; round < Number(values.rounds); round++) {
        const first = round % 2 === 0 ? order : [...order].reverse();
        const cost = {} as Record<Build, number>;
        for (const which of first) cost[which] = await cpuPerRequest(servers[which], keys[which]);
        costs.this.push(cost.this);
        costs.base.push(cost.base);
        ratios.push(cost.this / cost.base);
      }
      all.push(...ratios);
      console.log(
        `  pair ${pair + 1}: this ${median(costs.this).toFixed(0)} µs, base ${median(costs.base).toFixed(0)} µs; ` +
          `ratio ${median(ratios).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(' ')})`,
      );
    } finally {
      for (const server of Object.values(servers)) await server.stop();
    }
  }
  const sorted = [...all].sort((a, b) => a - b);
  console.log(
    `  all rounds: median ratio ${median(all).toFixed(3)}, range ${sorted[0]!.toFixed(3)}-${sorted.at(-1)!.toFixed(3)}`,
  );
} finally {
  await upstream.stop();
  for (const { dir } of Object.values(setups)) rmSync(dir, { recursive: true, force: true });
  base.remove();
}

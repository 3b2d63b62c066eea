import { loadavg } from 'node:os';
import { cpuMicros } from './proc-cpu.ts';
import { startPinned } from './pinned-process.ts';
import { processTree, treeRssBytes } from './process-tree-cpu.ts';

/** How long to leave a started server alone before reading its idle memory. */
const IDLE_MS = 2000;

/**
 * Starts a server `times` times; for each, the wall time from spawning it to its first answer
 * (`GET /v1/models`), the CPU time it had used by then, and its resident memory once idle.
 * Medians.
 */
export async function measureStart(
  core: number,
  args: string[],
  env: NodeJS.ProcessEnv,
  headers: Record<string, string>,
  times: number,
): Promise<{ wallMs: number; cpuMs: number; rssBytes: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const server = await startPinned(core, args, (out) => /listening on (http:\/\/\S+)\/v1/.exec(out)?.[1], {
      env,
    });
    try {
      const answer = await fetch(`${server.url}/v1/models`, { headers });
      await answer.arrayBuffer();
      if (!answer.ok) throw new Error(`GET /v1/models: ${answer.status}`);
      walls.push(performance.now() - started);
      cpus.push(cpuMicros(server.pid) / 1000);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      rss.push(treeRssBytes(processTree(server.pid)));
    } finally {
      await server.stop();
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wallMs: median(walls), cpuMs: median(cpus), rssBytes: median(rss) };
}

/** Measures as measureStart does and prints the result (medians) with the load average. */
export async function reportStart(
  core: number,
  args: string[],
  env: NodeJS.ProcessEnv,
  headers: Record<string, string>,
  times: number,
): Promise<void> {
  const start = await measureStart(core, args, env, headers, times);
  console.log(
    `\nportico serve, no model loaded (${times} starts, medians; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}):`,
  );
  console.log(
    `  start to first answer: ${start.wallMs.toFixed(0)} ms wall, ${start.cpuMs.toFixed(0)} ms CPU; idle RSS ${(start.rssBytes / 1e6).toFixed(0)} MB`,
  );
}

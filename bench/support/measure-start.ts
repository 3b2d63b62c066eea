import { get } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cpuMicros } from './proc-cpu.ts';
import { startPinned } from './pinned-process.ts';
import { processTree, treeRssBytes } from './process-tree-cpu.ts';
import { median } from './stats.ts';

/** How long to leave a started server alone before reading its idle memory. */
const IDLE_MS = 2000;

/** The baseline: a bare node:http server, started by node as Portico's built command is. */
const BARE_SERVER = fileURLToPath(new URL('./bare-start-server.mjs', import.meta.url));

export interface StartedServer {
  /** The node arguments that start it; it prints `listening on <url>/v1` once it listens. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The headers `GET /v1/models` needs (a key). */
  headers: Record<string, string>;
}

export interface Start {
  wallMs: number;
  cpuMs: number;
  rssBytes: number;
}

/** `GET url` with node:http (not fetch, whose first call loads undici into this process). */
function firstAnswer(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (answer) => {
      answer.resume();
      answer.once('end', () =>
        answer.statusCode === 200 ? resolve() : reject(new Error(`GET ${url}: ${answer.statusCode}`)),
      );
    }).once('error', reject);
  });
}

/**
 * Starts a server once: the wall time from spawning it to its first answer (`GET /v1/models`),
 * the CPU time it had used by then, and its resident memory once idle.
 */
async function startOnce(core: number, server: StartedServer): Promise<Start> {
  const started = performance.now();
  const running = await startPinned(
    core,
    server.args,
    (out) => /listening on (http:\/\/\S+)\/v1/.exec(out)?.[1],
    {
      env: server.env,
    },
  );
  try {
    await firstAnswer(`${running.url}/v1/models`, server.headers);
    const wallMs = performance.now() - started;
    const cpuMs = cpuMicros(running.pid) / 1000;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { wallMs, cpuMs, rssBytes: treeRssBytes(processTree(running.pid)) };
  } finally {
    await running.stop();
  }
}

function medians(starts: Start[]): Start {
  return {
    wallMs: median(starts.map((s) => s.wallMs)),
    cpuMs: median(starts.map((s) => s.cpuMs)),
    rssBytes: median(starts.map((s) => s.rssBytes)),
  };
}

/**
 * Starts `server` and the bare baseline `times` times each, alternating, so that the machine's
 * speed at the moment (node's own start moves with it) hits both alike. Medians.
 */
export async function measureStart(
  core: number,
  server: StartedServer,
  times: number,
): Promise<{ portico: Start; bare: Start }> {
  const bareServer: StartedServer = { args: [BARE_SERVER], env: process.env, headers: {} };
  const portico: Start[] = [];
  const bare: Start[] = [];
  for (let i = 0; i < times; i++) {
    portico.push(await startOnce(core, server));
    bare.push(await startOnce(core, bareServer));
  }
  return { portico: medians(portico), bare: medians(bare) };
}

/** Measures as measureStart does, prints the result (medians), the ratio and the load average, and returns it. */
export async function reportStart(
  core: number,
  server: StartedServer,
  times: number,
): Promise<{ portico: Start; bare: Start }> {
  const { portico, bare } = await measureStart(core, server, times);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  console.log(
    `\nStart to first answer (GET /v1/models), ${times} starts each, alternating, medians (load average ${load}):`,
  );
  console.log(
    `  bare node:http server          ${bare.wallMs.toFixed(0).padStart(4)} ms wall, ${bare.cpuMs.toFixed(0).padStart(4)} ms CPU; idle RSS ${mb(bare.rssBytes)}`,
  );
  console.log(
    `  portico serve, no model loaded ${portico.wallMs.toFixed(0).padStart(4)} ms wall, ${portico.cpuMs.toFixed(0).padStart(4)} ms CPU; idle RSS ${mb(portico.rssBytes)}`,
  );
  console.log(
    `  portico serve: ${(portico.wallMs / bare.wallMs).toFixed(2)}x the bare server's wall time, +${(portico.wallMs - bare.wallMs).toFixed(0)} ms`,
  );
  return { portico, bare };
}

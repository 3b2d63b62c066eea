import { get } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startPinned } from './pinned-process.ts';
import { processTree, treeCpuMicros, treeRssBytes } from './process-tree-cpu.ts';
import { median } from './stats.ts';

/** How long after its first answer a started server's memory is read (still holding start-up's garbage). */
const AFTER_START_MS = 2000;
/**
 * How long a server is left without requests before its idle memory is read. V8's memory
 * reducer returns start-up's garbage and the young generation's grown space ~8 s after the
 * last collection in a process that stopped allocating; until then the RSS is start-up's.
 */
const IDLE_MS = 12_000;

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
  /** Resident memory AFTER_START_MS after the first answer. */
  rssAfterStartBytes: number;
  /** Resident memory after IDLE_MS without requests (read on the last start only). */
  idleRssBytes?: number;
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
 * the CPU time it had used by then, its resident memory just after, and (`idle`) once idle.
 */
async function startOnce(core: number | string, server: StartedServer, idle: boolean): Promise<Start> {
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
    const answered = performance.now();
    const wallMs = answered - started;
    const cpuMs = treeCpuMicros(processTree(running.pid)) / 1000;
    /** The resident memory `ms` after the first answer. */
    const rssAt = async (ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, answered + ms - performance.now()));
      return treeRssBytes(processTree(running.pid));
    };
    const rssAfterStartBytes = await rssAt(AFTER_START_MS);
    return { wallMs, cpuMs, rssAfterStartBytes, ...(idle ? { idleRssBytes: await rssAt(IDLE_MS) } : {}) };
  } finally {
    await running.stop();
  }
}

function medians(starts: Start[]): Required<Start> {
  return {
    wallMs: median(starts.map((s) => s.wallMs)),
    cpuMs: median(starts.map((s) => s.cpuMs)),
    rssAfterStartBytes: median(starts.map((s) => s.rssAfterStartBytes)),
    // Read on the last start, which waited for it.
    idleRssBytes: starts.at(-1)!.idleRssBytes!,
  };
}

/**
 * Starts `server` and the bare baseline `times` times each, alternating, so that the machine's
 * speed at the moment (node's own start moves with it) hits both alike. Medians; the idle
 * memory is read on the last start of each, which waits IDLE_MS.
 */
export async function measureStart(
  core: number | string,
  server: StartedServer,
  times: number,
): Promise<{ portico: Required<Start>; bare: Required<Start> }> {
  const bareServer: StartedServer = { args: [BARE_SERVER], env: process.env, headers: {} };
  const portico: Start[] = [];
  const bare: Start[] = [];
  for (let i = 0; i < times; i++) {
    const last = i === times - 1;
    portico.push(await startOnce(core, server, last));
    bare.push(await startOnce(core, bareServer, last));
  }
  return { portico: medians(portico), bare: medians(bare) };
}

/** Measures as measureStart does, prints the result (medians), the ratio and the load average, and returns it. */
export async function reportStart(
  core: number | string,
  server: StartedServer,
  times: number,
): Promise<{ portico: Required<Start>; bare: Required<Start> }> {
  const { portico, bare } = await measureStart(core, server, times);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  const memory = (start: Required<Start>) =>
    `RSS ${mb(start.rssAfterStartBytes)} ${AFTER_START_MS / 1000} s after, idle ${mb(start.idleRssBytes)}`;
  console.log(
    `\nStart to first answer (GET /v1/models), ${times} starts each, alternating, medians (load average ${load});` +
      ` idle: after ${IDLE_MS / 1000} s without requests:`,
  );
  console.log(
    `  bare node:http server          ${bare.wallMs.toFixed(0).padStart(4)} ms wall, ${bare.cpuMs.toFixed(0).padStart(4)} ms CPU; ${memory(bare)}`,
  );
  console.log(
    `  portico serve, no model loaded ${portico.wallMs.toFixed(0).padStart(4)} ms wall, ${portico.cpuMs.toFixed(0).padStart(4)} ms CPU; ${memory(portico)}`,
  );
  console.log(
    `  portico serve: ${(portico.wallMs / bare.wallMs).toFixed(2)}x the bare server's wall time, +${(portico.wallMs - bare.wallMs).toFixed(0)} ms`,
  );
  // A bare server's start is nearly all CPU: waiting far beyond it means its core was taken.
  const bareWaitMs = bare.wallMs - bare.cpuMs;
  if (bareWaitMs > 50 && bare.wallMs > 2 * bare.cpuMs)
    console.log(
      `  (the bare server waited ${bareWaitMs.toFixed(0)} ms beyond its CPU: something else held the core; rerun on a quieter machine)`,
    );
  return { portico, bare };
}

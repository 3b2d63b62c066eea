import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadRun } from './load-run.ts';

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx/3xx, plus socket errors. */
  errors: number;
}

export interface WrkRun extends LoadRun {
  connections: number;
  /** The CPU core wrk is pinned to. */
  core: number;
}

const lua = (value: string) => `[==[${value}]==]`;

/** The Lua script that POSTs a body with a fresh counter in each request. */
function script(run: WrkRun, runId: string): string {
  const [before, after] = run.bodyTemplate.split('%s') as [string, string];
  const headers = Object.entries({ 'content-type': 'application/json', ...run.headers })
    .map(([name, value]) => `wrk.headers[ ${lua(name)} ] = ${lua(value)}`)
    .join('\n');
  return `wrk.method = "POST"
${headers}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, ${lua(before)} .. ${lua(runId)} .. counter .. ${lua(after ?? '')})
end
`;
}

function millis(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk: unreadable latency '${text}'`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

/** Parses wrk's report (run with --latency). */
export function parseWrk(output: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output)?.[1];
  const p99 = /^\s+99%\s+(\S+)/m.exec(output)?.[1];
  if (!requests || !p50 || !p99) throw new Error(`wrk: unreadable report:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests,
    requestsPerSecond,
    p50Ms: millis(p50),
    p99Ms: millis(p99),
    errors: non2xx + socketErrors,
  };
}

let runs = 0;

/** One wrk run (one thread, pinned), its report parsed. */
export async function wrk(run: WrkRun): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-wrk-'));
  const file = join(dir, 'post.lua');
  writeFileSync(file, script(run, `${process.pid}-${runs++}-`));
  try {
    const { stdout } = await promisify(execFile)('taskset', [
      '-c',
      String(run.core),
      'wrk',
      '-t1',
      `-c${run.connections}`,
      `-d${run.seconds}s`,
      '--latency',
      '--timeout',
      '30s',
      '-s',
      file,
      run.url,
    ]);
    return parseWrk(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

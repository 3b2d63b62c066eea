/**
 * What the code interpreter's sandbox costs, in one run:
 *
 *   npm run bench:code-interpreter [-- --rounds 20]
 *
 * A cold start (a new sandboxed process loading Python, then `1 + 1`), then the median of
 * `--rounds` warm runs of a small program, against the same program run by the same Pyodide in
 * this process without the sandbox's child process (the price of the process boundary), and the
 * resident memory of the sandbox's process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { PythonProcess } from '../src/tools/code-interpreter/python-process.ts';
import { median } from './support/stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);
const PROGRAM = 'sum(i * i for i in range(10_000))';
const never = new AbortController().signal;

const python = new PythonProcess({
  memoryMb: 256,
  timeoutMs: 60_000,
  maxOutputBytes: 64_000,
  isolateNetwork: true,
});
let started = performance.now();
await python.run('1 + 1', [], never);
const cold = performance.now() - started;
const sandboxed: number[] = [];
for (let round = 0; round < rounds; round++) {
  started = performance.now();
  await python.run(PROGRAM, [], never);
  sandboxed.push(performance.now() - started);
}
const child = (python as unknown as { child?: { pid?: number } }).child;
const rss = child?.pid ? rssOf(child.pid) : undefined;
python.kill();

const pyodideDir = dirname(createRequire(import.meta.url).resolve('pyodide/pyodide.mjs'));
const { loadPyodide } = (await import(`${pyodideDir}/pyodide.mjs`)) as {
  loadPyodide: (options: { indexURL: string }) => Promise<{ runPythonAsync(code: string): Promise<unknown> }>;
};
started = performance.now();
const direct = await loadPyodide({ indexURL: `${pyodideDir}/` });
const directLoad = performance.now() - started;
const inProcess: number[] = [];
for (let round = 0; round < rounds; round++) {
  started = performance.now();
  await direct.runPythonAsync(PROGRAM);
  inProcess.push(performance.now() - started);
}

const warm = median(sandboxed);
const bare = median(inProcess);
console.log(
  `cold start (sandboxed process, Python loaded, 1 + 1): ${cold.toFixed(0)} ms; Pyodide loaded in this process: ${directLoad.toFixed(0)} ms`,
);
console.log(
  `warm run, median of ${rounds}: sandboxed ${warm.toFixed(2)} ms, in process ${bare.toFixed(2)} ms, ratio ${(warm / bare).toFixed(2)}`,
);
console.log(
  `sandbox process resident memory after the runs: ${rss === undefined ? 'unknown' : `${(rss / 1024 / 1024).toFixed(0)} MiB`}`,
);

/** Resident bytes of a process (Linux), from /proc. The sandbox runs under `unshare`: its child is the interpreter. */
function rssOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const target = children[0] ?? String(pid);
    const status = readFileSync(`/proc/${target}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

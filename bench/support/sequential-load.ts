/**
 * Requests one at a time on one kept-alive connection, as its own process so it can be pinned
 * beside wrk:
 *   node bench/support/sequential-load.ts '<json SequentialRun>'
 * prints one JSON line: SequentialResult. How gateways' published overheads are measured: with
 * nothing queued, each request's latency is the hop's own work and wakeups. The time to the
 * first byte of a streamed answer is what a client waits for its first event.
 */
import { Agent, request } from 'node:http';
import { bodies, type LoadRun } from './load-run.ts';
import { quantile } from './stats.ts';

export type SequentialRun = LoadRun;

export interface SequentialResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  firstByteP50Ms: number;
  firstByteP99Ms: number;
  errors: number;
}

const run = JSON.parse(process.argv[2] ?? '{}') as SequentialRun;
const body = bodies(run.bodyTemplate);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One POST: milliseconds to the answer's first body byte and to its end; undefined if it failed. */
function timed(body: string): Promise<{ firstByte: number; total: number } | undefined> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      run.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...run.headers } },
      (res) => {
        let firstByte = -1;
        res.on('data', () => {
          if (firstByte < 0) firstByte = performance.now() - started;
        });
        res.on('end', () =>
          resolve(res.statusCode === 200 ? { firstByte, total: performance.now() - started } : undefined),
        );
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

const totals: number[] = [];
const firstBytes: number[] = [];
let errors = 0;
const end = performance.now() + run.seconds * 1000;
for (let i = 0; performance.now() < end; i++) {
  const timing = await timed(body(`sequential-${process.pid}-${i}`));
  if (!timing) errors++;
  else {
    totals.push(timing.total);
    firstBytes.push(timing.firstByte);
  }
}
agent.destroy();
const result: SequentialResult = {
  requests: totals.length + errors,
  p50Ms: quantile(totals, 0.5),
  p99Ms: quantile(totals, 0.99),
  firstByteP50Ms: quantile(firstBytes, 0.5),
  firstByteP99Ms: quantile(firstBytes, 0.99),
  errors,
};
process.stdout.write(`${JSON.stringify(result)}\n`);

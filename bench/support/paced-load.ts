/**
 * Load at a fixed rate, as its own process so it can be pinned beside wrk:
 *   node bench/support/paced-load.ts '<json PacedRun>'
 * prints one JSON line: { requests, p50Ms, p99Ms, errors }.
 *
 * wrk sends as fast as a server answers, so each server is measured at its own request rate;
 * the kernel's and the event loop's cost per request falls as the rate rises (one wakeup
 * serves several requests), which favours the fastest server. At one rate for all, below
 * every server's capacity, CPU per request compares like with like.
 */
import { Agent, request } from 'node:http';
import { bodies, type LoadRun } from './load-run.ts';

export interface PacedRun extends LoadRun {
  rate: number;
  connections: number;
}

const run = JSON.parse(process.argv[2] ?? '{}') as PacedRun;
const body = bodies(run.bodyTemplate);
const agent = new Agent({ keepAlive: true, maxSockets: run.connections });
const total = Math.round(run.rate * run.seconds);
const latencies: number[] = [];
let sent = 0;
let ended = 0;
let errors = 0;
const started = performance.now();

const finish = () => {
  if (++ended < total) return;
  clearInterval(timer);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  process.stdout.write(`${JSON.stringify({ requests: total, p50Ms: at(0.5), p99Ms: at(0.99), errors })}\n`);
};

const send = (i: number) => {
  const at = performance.now();
  const req = request(
    run.url,
    { method: 'POST', agent, headers: { 'content-type': 'application/json', ...run.headers } },
    (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(performance.now() - at);
        else errors++;
        finish();
      });
    },
  );
  req.on('error', () => {
    errors++;
    finish();
  });
  req.end(body(`paced-${process.pid}-${i}`));
};

// Every millisecond, send what is due by now: the rate holds however long each answer takes.
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * run.rate));
  while (sent < due) send(sent++);
}, 1);

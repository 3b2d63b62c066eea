/**
 * How fast `portico serve` starts (spawn to its first answer, wall and CPU) and how much memory
 * it holds idle, with key authentication and request logs on and no model loaded: the last
 * part of `npm run bench:gateway`, alone and on a fresh data folder; beside it, alternating, the
 * same for a bare node:http server (the baseline: node's own start, on this machine, now).
 *
 *   npm run bench:start [-- --starts 9 --workers 1]
 *
 * `--workers N` starts `portico serve --workers N` instead of one process: the time to the
 * first answer (the first worker's), and the memory of the primary and all its workers.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchKey, writeFastPortico } from './support/fast-portico.ts';
import { reportStart } from './support/measure-start.ts';
import { serveWithoutModels } from './support/portico-command.ts';

const { values } = parseArgs({
  options: { starts: { type: 'string', default: '9' }, workers: { type: 'string', default: '1' } },
});
const bin = fileURLToPath(new URL('../bin/portico.js', import.meta.url));
// No request reaches the upstream: GET /v1/models only lists the model.
const { dir, config, env } = writeFastPortico('portico-bench-start-', 'http://127.0.0.1:9/v1', {
  default: { collect_logs: true, log_payloads: true },
});
try {
  const key = createBenchKey(bin, env);
  // One process on one core; workers on every core, as `portico serve` runs them.
  const workers = Number(values.workers);
  await reportStart(
    workers > 1 ? `0-${availableParallelism() - 1}` : 0,
    {
      args: [...serveWithoutModels(bin, config, dir), '--workers', values.workers],
      env,
      headers: { authorization: `Bearer ${key}` },
    },
    Number(values.starts),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

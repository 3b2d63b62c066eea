import cluster, { type Worker } from 'node:cluster';
import { MemoryRateLimiter } from '../gateway/memory-rate-limiter.ts';
import type { LocalConfig } from '../config/local-config.ts';
import type { Logger } from '../logger.ts';
import { LocalProvider } from '../providers/local/local-provider.ts';
import { serveWorker } from './serve-for-workers.ts';
import type { ToPrimary } from './worker-messages.ts';
import { withYoungGeneration } from './young-generation.ts';

/** The environment variable that tells a forked process which worker it is. */
export const WORKER_INDEX_ENV = 'PORTICO_WORKER_INDEX';

export interface PrimaryOptions {
  workers: number;
  /** How the local models run: the config's `local` settings. */
  local: LocalConfig;
  logger: Logger;
  /** Called once every worker listens: what to tell the person who started the server. */
  onListening(url: string, models: string[]): void;
  /** Called at the first signal, as the workers begin to shut down. */
  onStopping(): void;
}

/**
 * The primary of `portico serve --workers N`: forks N workers that each serve HTTP on the one
 * listening socket (node:cluster hands connections round-robin) from the one data directory,
 * and holds what must be one per machine: the rate-limit counters and the local models. The
 * first SIGINT or SIGTERM shuts every worker down gracefully, a second stops them at once; a
 * worker that dies while serving is replaced. Resolves with the exit code.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  cluster.setupPrimary({ serialization: 'advanced', execArgv: withYoungGeneration(process.execArgv) });
  const services = {
    rateLimiter: new MemoryRateLimiter(),
    local: new LocalProvider({ ...options.local, logger: options.logger }),
  };
  let stopping = false;
  let started = false;
  const live = new Set<Worker>();
  const exited = new Set<Promise<number>>();

  const fork = (index: number): Worker => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    live.add(worker);
    serveWorker(worker, services);
    const exit = new Promise<number>((resolve) =>
      worker.once('exit', (code) => {
        live.delete(worker);
        if (!stopping && started) {
          options.logger.error('a worker exited; starting another', { worker: index, code });
          fork(index);
        }
        resolve(code ?? 1);
      }),
    );
    exited.add(exit);
    return worker;
  };

  const workers = Array.from({ length: options.workers }, (_, index) => fork(index));
  const ready = await Promise.race([
    Promise.all(
      workers.map(
        (worker) =>
          new Promise<{ url: string; models: string[] }>((resolve) => {
            const onMessage = (message: ToPrimary) => {
              if (message.kind !== 'listening') return;
              worker.off('message', onMessage);
              resolve(message);
            };
            worker.on('message', onMessage);
          }),
      ),
    ),
    // A worker that could not start (it said why on stderr) stops them all.
    Promise.race([...exited]).then(() => undefined),
  ]);
  const stopAll = (signal: NodeJS.Signals) => {
    for (const worker of live) worker.process.kill(signal);
  };
  if (!ready) {
    stopping = true;
    stopAll('SIGTERM');
    await Promise.all(exited);
    await services.local.close();
    return 2;
  }
  started = true;
  options.onListening(ready[0]!.url, ready[0]!.models);

  let signals = 0;
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      if (!stopping) options.onStopping();
      stopping = true;
      stopAll(signals++ === 0 ? 'SIGTERM' : 'SIGKILL');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const codes = await Promise.all(exited);
  await services.local.close();
  return codes.every((code) => code === 0) ? 0 : 1;
}

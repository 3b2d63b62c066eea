import cluster, { type Worker } from 'node:cluster';
import { KeyedLock } from '../engine/keyed-lock.ts';
import { MemoryRateLimiter } from '../gateway/memory-rate-limiter.ts';
import type { LocalConfig } from '../config/local-config.ts';
import type { ToolsConfig } from '../config/tools-config.ts';
import type { Logger } from '../logger.ts';
import { LocalProvider } from '../providers/local/local-provider.ts';
import type { Interpreters } from '../tools/code-interpreter/interpreters.ts';
import { WorkerMetrics } from './worker-metrics.ts';
import { serveWorker } from './serve-for-workers.ts';
import type { ToPrimary } from './worker-messages.ts';
import { withYoungGeneration } from './young-generation.ts';
import { WORKER_COUNT_ENV } from '../server/body-budget.ts';

/** The environment variable that tells a forked process which worker it is. */
export const WORKER_INDEX_ENV = 'PORTICO_WORKER_INDEX';

/** What the primary reads of the config: how local models and the code interpreter run. */
export interface PrimaryConfig {
  local: LocalConfig;
  codeInterpreter: ToolsConfig['codeInterpreter'];
}

export interface PrimaryOptions {
  workers: number;
  /** The config's settings for what the primary runs, once read. */
  config: Promise<PrimaryConfig>;
  logger: Logger;
  /** Called once the first worker listens (the others join as they start): what to tell the person who started the server. */
  onListening(url: string, models: string[]): void;
  /** Called at the first signal, as the workers begin to shut down. */
  onStopping(): void;
}

/**
 * The primary of `portico serve --workers N`: forks N workers that each serve HTTP on the one
 * listening socket (node:cluster hands connections round-robin) from the one data directory,
 * and holds what must be one per machine: the rate-limit counters, the conversation locks,
 * the local models and the code interpreter's Python processes (a container's state lives in
 * one of them); and it gathers every worker's metrics for a scrape. The first SIGINT or
 * SIGTERM shuts every worker down gracefully, a second stops them at once; a worker that dies
 * while serving is replaced. Resolves with the exit code.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  cluster.setupPrimary({ serialization: 'advanced', execArgv: withYoungGeneration(process.execArgv) });
  const local = options.config.then(
    (config) => new LocalProvider({ ...config.local, logger: options.logger }),
  );
  // Loaded once the config is read, not at start: most servers never run code.
  const interpreters: Promise<Interpreters> = options.config.then(async (config) => {
    const { InterpreterPool } = await import('../tools/code-interpreter/interpreters.ts');
    return new InterpreterPool(config.codeInterpreter);
  });
  // A config the primary cannot read stops the first worker too, which says why.
  local.catch(() => {});
  interpreters.catch(() => {});
  const services = {
    rateLimiter: new MemoryRateLimiter(),
    conversationLocks: new KeyedLock(),
    local,
    interpreters,
    metrics: new WorkerMetrics(),
  };
  let stopping = false;
  let started = false;
  const live = new Set<Worker>();
  const exited = new Set<Promise<number>>();

  const fork = (index: number): Worker => {
    const worker = cluster.fork({
      [WORKER_INDEX_ENV]: String(index),
      [WORKER_COUNT_ENV]: String(options.workers),
    });
    live.add(worker);
    serveWorker(worker, services);
    const exit = new Promise<number>((resolve) =>
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        if (!stopping && started) {
          options.logger.error('a worker exited; starting another', { worker: index, code });
          fork(index);
        }
        // Stopped by the shutdown's own signal while it was still starting: a clean stop.
        resolve(code ?? (stopping && signal === 'SIGTERM' ? 0 : 1));
      }),
    );
    exited.add(exit);
    return worker;
  };

  const listening = (worker: Worker) =>
    new Promise<{ url: string; models: string[] }>((resolve) => {
      const onMessage = (message: ToPrimary) => {
        if (message.kind !== 'listening') return;
        worker.off('message', onMessage);
        resolve(message);
      };
      worker.on('message', onMessage);
    });
  // The first worker starts alone and, once it listens, Portico is listening: started together,
  // the workers shared the cores while they started, and the first answer came at 336 ms with
  // two on two cores, against 281 this way (bench:start; one process: ~210). The others start
  // then, and join as each listens. The first one failing to start (it said why on stderr)
  // stops Portico; a later one that exits is started again, as while serving.
  const first = await Promise.race([listening(fork(0)), Promise.race([...exited]).then(() => undefined)]);
  const stopAll = (signal: NodeJS.Signals) => {
    for (const worker of live) worker.process.kill(signal);
  };
  if (!first) {
    stopping = true;
    stopAll('SIGTERM');
    await Promise.all(exited);
    await closeServices(local, interpreters);
    // It said why (a config that does not load, a host refused, a port taken): as one process would.
    return 1;
  }
  started = true;
  options.onListening(first.url, first.models);
  const others = Array.from({ length: options.workers - 1 }, (_, index) => listening(fork(index + 1)));
  void Promise.all(others).then(() =>
    options.logger.info('every worker listening', { workers: options.workers }),
  );

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
  await closeServices(local, interpreters);
  return codes.every((code) => code === 0) ? 0 : 1;
}

async function closeServices(
  local: Promise<LocalProvider>,
  interpreters: Promise<Interpreters>,
): Promise<void> {
  (await interpreters.catch(() => undefined))?.close();
  await (await local.catch(() => undefined))?.close();
}

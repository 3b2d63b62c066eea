import type { Worker } from 'node:cluster';
import type { KeyedLocks } from '../engine/keyed-lock.ts';
import type { RateLimiter } from '../gateway/rate-limiter.ts';
import type { LocalProvider } from '../providers/local/local-provider.ts';
import type { Interpreters } from '../tools/code-interpreter/interpreters.ts';
import type { WorkerMetrics } from './worker-metrics.ts';
import { sendToWorker } from './send-to-worker.ts';
import { fromWireError, toWireError, toWireEvent, type ToPrimary, type ToWorker } from './worker-messages.ts';

export interface PrimaryServices {
  rateLimiter: RateLimiter;
  /** The conversation locks of every worker. */
  conversationLocks: KeyedLocks;
  /** Made once the config is read, which the first worker's start overlaps. */
  local: Promise<LocalProvider>;
  /** The code interpreter's Python processes, for every worker; made once the config is read. */
  interpreters: Promise<Interpreters>;
  /** Every worker's counts, for a scrape of `/metrics` that any worker answers. */
  metrics: WorkerMetrics;
}

type Reply = Extract<ToPrimary, { kind: 'code-fresh' | 'code-kept' }>;

/**
 * The primary's side of a worker's channel: counts its requests against the shared limiter,
 * holds its conversation locks, runs its local work (generations, streaming their events
 * back; token counts; embeddings) and its code in the containers' interpreters, and gathers
 * every worker's metrics for its scrapes. A worker that exits has its work stopped and its
 * locks let go.
 */
export function serveWorker(worker: Worker, services: PrimaryServices): void {
  const running = new Map<number, AbortController>();
  /** The conversation locks the worker holds, by the id it asked with. */
  const locks = new Map<number, () => void>();
  let exited = false;
  /** What a run asked the worker back, by the run's id: one question at a time. */
  const asked = new Map<number, { resolve(reply: Reply): void; reject(error: unknown): void }>();
  const send = (message: ToWorker) => sendToWorker(worker, message);
  const fail = (id: number, error: unknown) => send({ kind: 'failed', id, error: toWireError(error) });
  /** Runs `work` until it ends, the worker aborts it or the worker exits. */
  const run = (id: number, work: (signal: AbortSignal) => Promise<void>) => {
    const abort = new AbortController();
    running.set(id, abort);
    work(abort.signal)
      .catch((error: unknown) => fail(id, error))
      .finally(() => running.delete(id));
  };
  /** Asks the worker back during a run, for an answer of kind `answer`; an abort of the run gives up waiting. */
  const askBack = <K extends Reply['kind']>(
    message: Extract<ToWorker, { kind: 'code-fresh' | 'code-keep' }>,
    answer: K,
    signal: AbortSignal,
  ): Promise<Extract<Reply, { kind: K }>> =>
    new Promise((resolve, reject) => {
      signal.throwIfAborted();
      const onAbort = () => {
        asked.delete(message.id);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (end: () => void) => {
        signal.removeEventListener('abort', onAbort);
        asked.delete(message.id);
        end();
      };
      asked.set(message.id, {
        resolve: (reply) =>
          settle(() =>
            reply.kind === answer
              ? resolve(reply as Extract<Reply, { kind: K }>)
              : reject(new Error(`the worker answered '${reply.kind}' where '${answer}' was due`)),
          ),
        reject: (error) => settle(() => reject(error)),
      });
      send(message);
    });

  worker.on('message', (message: ToPrimary) => {
    switch (message.kind) {
      case 'rate':
        services.rateLimiter.consume(message.key, message.rule, message.now).then(
          (decision) => send({ kind: 'rate', id: message.id, decision }),
          (error: unknown) => fail(message.id, error),
        );
        return;
      case 'lock': {
        const { id } = message;
        void services.conversationLocks.acquire(message.key).then((release) => {
          if (exited) return release();
          locks.set(id, release);
          send({ kind: 'done', id });
        });
        return;
      }
      case 'unlock':
        locks.get(message.id)?.();
        locks.delete(message.id);
        return;
      case 'generate':
        run(message.id, async (signal) => {
          const local = await services.local;
          for await (const event of local.generate(message.turn, signal))
            send({ kind: 'event', id: message.id, event: toWireEvent(event) });
          send({ kind: 'done', id: message.id });
        });
        return;
      case 'count':
        run(message.id, async (signal) => {
          const tokens = await (await services.local).countInputTokens(message.turn, signal);
          send({ kind: 'done', id: message.id, tokens });
        });
        return;
      case 'embed':
        run(message.id, async (signal) => {
          const result = await (await services.local).embed(message.request, signal);
          send({ kind: 'embedded', id: message.id, result });
        });
        return;
      case 'code': {
        const { id, container, code } = message;
        run(id, async (signal) => {
          const interpreters = await services.interpreters;
          await interpreters.run(
            {
              container,
              code,
              fresh: async (held) =>
                (await askBack({ kind: 'code-fresh', id, held }, 'code-fresh', signal)).files,
              keep: async (result) =>
                (await askBack({ kind: 'code-keep', id, result }, 'code-kept', signal)).versions,
            },
            signal,
          );
          send({ kind: 'done', id });
        });
        return;
      }
      case 'code-fresh':
      case 'code-kept':
        asked.get(message.id)?.resolve(message);
        return;
      case 'code-failed':
        asked.get(message.id)?.reject(fromWireError(message.error));
        return;
      case 'code-stop':
        void services.interpreters.then((interpreters) => interpreters.stop(message.container));
        return;
      case 'metrics':
        services.metrics.gather().then(
          (snapshots) => send({ kind: 'metrics', id: message.id, snapshots }),
          (error: unknown) => fail(message.id, error),
        );
        return;
      case 'metrics-report':
        services.metrics.answered(message.ask, message.snapshot);
        return;
      case 'abort':
        running.get(message.id)?.abort(new DOMException('The worker stopped the request.', 'AbortError'));
        return;
      case 'listening':
        services.metrics.listening(worker);
        return;
    }
  });
  worker.on('exit', () => {
    exited = true;
    services.metrics.exited(worker);
    for (const abort of running.values()) abort.abort(new DOMException('The worker exited.', 'AbortError'));
    for (const release of locks.values()) release();
    locks.clear();
  });
}

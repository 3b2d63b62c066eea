import type { Worker } from 'node:cluster';
import type { RateLimiter } from '../gateway/rate-limiter.ts';
import type { Provider } from '../providers/provider.ts';
import { toWireError, toWireEvent, type ToPrimary, type ToWorker } from './worker-messages.ts';

export interface PrimaryServices {
  rateLimiter: RateLimiter;
  /** Made once the config is read, which the first worker's start overlaps. */
  local: Promise<Provider>;
}

/**
 * The primary's side of a worker's channel: counts its requests against the shared limiter and
 * runs its local generations, streaming their events back. A worker that exits has its
 * generations stopped.
 */
export function serveWorker(worker: Worker, services: PrimaryServices): void {
  const running = new Map<number, AbortController>();
  const send = (message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };
  const fail = (id: number, error: unknown) => send({ kind: 'failed', id, error: toWireError(error) });

  worker.on('message', (message: ToPrimary) => {
    switch (message.kind) {
      case 'rate':
        services.rateLimiter.consume(message.key, message.rule, message.now).then(
          (decision) => send({ kind: 'rate', id: message.id, decision }),
          (error: unknown) => fail(message.id, error),
        );
        return;
      case 'generate': {
        const abort = new AbortController();
        running.set(message.id, abort);
        void (async () => {
          try {
            const local = await services.local;
            for await (const event of local.generate(message.turn, abort.signal))
              send({ kind: 'event', id: message.id, event: toWireEvent(event) });
            send({ kind: 'done', id: message.id });
          } catch (error) {
            fail(message.id, error);
          } finally {
            running.delete(message.id);
          }
        })();
        return;
      }
      case 'count':
        services.local
          .then((local) => {
            if (!local.countInputTokens) throw new Error('local models cannot count tokens here');
            return local.countInputTokens(message.turn, new AbortController().signal);
          })
          .then(
            (tokens) => send({ kind: 'done', id: message.id, tokens }),
            (error: unknown) => fail(message.id, error),
          );
        return;
      case 'abort':
        running.get(message.id)?.abort(new DOMException('The worker stopped the request.', 'AbortError'));
        return;
      case 'listening':
        return;
    }
  });
  worker.on('exit', () => {
    for (const abort of running.values()) abort.abort(new DOMException('The worker exited.', 'AbortError'));
  });
}

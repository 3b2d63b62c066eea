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
 * runs its local work (generations, streaming their events back; token counts; embeddings). A
 * worker that exits has its work stopped.
 */
export function serveWorker(worker: Worker, services: PrimaryServices): void {
  const running = new Map<number, AbortController>();
  const send = (message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };
  const fail = (id: number, error: unknown) => send({ kind: 'failed', id, error: toWireError(error) });
  /** Runs `work` on the local models until it ends, the worker aborts it or the worker exits. */
  const run = (id: number, work: (local: Provider, signal: AbortSignal) => Promise<void>) => {
    const abort = new AbortController();
    running.set(id, abort);
    services.local
      .then((local) => work(local, abort.signal))
      .catch((error: unknown) => fail(id, error))
      .finally(() => running.delete(id));
  };

  worker.on('message', (message: ToPrimary) => {
    switch (message.kind) {
      case 'rate':
        services.rateLimiter.consume(message.key, message.rule, message.now).then(
          (decision) => send({ kind: 'rate', id: message.id, decision }),
          (error: unknown) => fail(message.id, error),
        );
        return;
      case 'generate':
        run(message.id, async (local, signal) => {
          for await (const event of local.generate(message.turn, signal))
            send({ kind: 'event', id: message.id, event: toWireEvent(event) });
          send({ kind: 'done', id: message.id });
        });
        return;
      case 'embed':
        run(message.id, async (local, signal) => {
          if (!local.embed) throw new Error('local models cannot embed here');
          send({ kind: 'embedded', id: message.id, result: await local.embed(message.request, signal) });
        });
        return;
      case 'count':
        run(message.id, async (local, signal) => {
          if (!local.countInputTokens) throw new Error('local models cannot count tokens here');
          send({ kind: 'done', id: message.id, tokens: await local.countInputTokens(message.turn, signal) });
        });
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

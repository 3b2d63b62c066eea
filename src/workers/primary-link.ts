import type { MetricsSnapshot } from '../gateway/metrics.ts';
import { fromWireError, type ToPrimary, type ToWorker } from './worker-messages.ts';

/** The worker's end of the IPC channel to the cluster's primary. */
export interface WorkerPort {
  send(message: ToPrimary): void;
  on(event: 'message', listener: (message: ToWorker) => void): void;
}

type Request = ToPrimary extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;
type Answer = Exclude<ToWorker, { kind: 'metrics-wanted' }>;

/**
 * Requests to the primary, each with an id its answers carry back; and the answer to the
 * primary's one question, this worker's metrics.
 */
export class PrimaryLink {
  #next = 1;
  readonly #listeners = new Map<number, (message: Answer) => void>();
  #metrics: (() => MetricsSnapshot) | undefined;

  constructor(private readonly port: WorkerPort) {
    port.on('message', (message) => {
      if (message.kind !== 'metrics-wanted') return this.#listeners.get(message.id)?.(message);
      this.send({ kind: 'metrics-report', ask: message.ask, snapshot: this.#metrics?.() });
    });
  }

  /** What this worker answers when the primary gathers every worker's metrics for `/metrics`. */
  answerMetrics(snapshot: () => MetricsSnapshot): void {
    this.#metrics = snapshot;
  }

  /** Sends `request`; `listener` gets every answer to it until `forget` is called. */
  open(request: Request, listener: (message: Answer) => void): number {
    const id = this.#next++;
    this.#listeners.set(id, listener);
    this.port.send({ ...request, id } as ToPrimary);
    return id;
  }

  /**
   * Sends `request` and resolves with its answer, a message of kind `answer`: the first message
   * that `progress` does not take (it says whether it did); a `failed` one, or one of another
   * kind, rejects. Aborting `signal` stops the request in the primary and rejects with the
   * signal's reason.
   */
  ask<K extends Answer['kind']>(
    request: Request,
    answer: K,
    signal?: AbortSignal,
    progress?: (message: Answer, id: number) => boolean,
  ): Promise<Extract<Answer, { kind: K }>> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.send({ kind: 'abort', id });
        settle(() => reject(signal!.reason));
      };
      const settle = (end: () => void) => {
        signal?.removeEventListener('abort', onAbort);
        this.forget(id);
        end();
      };
      const id = this.open(request, (message) => {
        if (progress?.(message, id)) return;
        settle(() => {
          if (message.kind === answer) resolve(message as Extract<Answer, { kind: K }>);
          else if (message.kind === 'failed') reject(fromWireError(message.error));
          else reject(new Error(`the primary answered '${message.kind}' where '${answer}' was due`));
        });
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  forget(id: number): void {
    this.#listeners.delete(id);
  }

  send(message: ToPrimary): void {
    this.port.send(message);
  }
}

import { shuttingDown } from '../api/errors.ts';
import type { MetricsSnapshot } from '../gateway/metrics.ts';
import { fromWireError, toWireError, type ToPrimary, type ToWorker } from './worker-messages.ts';

/**
 * The worker's end of the IPC channel to the cluster's primary (the worker's `process`). A send
 * that fails calls back with its error (EPIPE when the primary died, ERR_IPC_CHANNEL_CLOSED once
 * that is seen): without a callback, node emits it as an 'error' on the process, and unheard,
 * that ended the worker.
 */
export interface WorkerPort {
  send(message: ToPrimary, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: ToWorker) => void): void;
}

function ignoreSendError(): void {}

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

  /**
   * Sends `request`; `listener` gets every answer to it until `forget` is called. A request that
   * cannot reach the primary (it is gone) is answered `failed`, a 503 `server_shutting_down`;
   * node's cluster then ends this worker, whose primary disconnected.
   */
  open(request: Request, listener: (message: Answer) => void): number {
    const id = this.#next++;
    this.#listeners.set(id, listener);
    this.port.send({ ...request, id } as ToPrimary, (error) => {
      if (!error) return;
      const gone = shuttingDown("Portico's primary process is gone: send the request again.");
      this.#listeners.get(id)?.({ kind: 'failed', id, error: toWireError(gone) });
    });
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

  /** Sends what wants no answer; one that fails is dropped (the primary is gone, and this worker exits with it). */
  send(message: ToPrimary): void {
    this.port.send(message, ignoreSendError);
  }
}

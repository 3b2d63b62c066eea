import type { Worker } from 'node:cluster';
import { Metrics, type MetricsSnapshot } from '../gateway/metrics.ts';
import { sendToWorker } from './send-to-worker.ts';

/**
 * How long the primary waits for a worker's metrics. A worker's event loop answers in
 * microseconds; one that is stuck is left out of that scrape rather than holding it past a
 * scraper's timeout (Prometheus: 10 s).
 */
const ANSWER_MS = 5_000;

/**
 * The primary's side of `/metrics` under `--workers N`: counts live in each worker (counting a
 * request costs nothing across the channel), and a scrape, which the cluster hands to any
 * worker, asks the primary for all of them. The primary's own snapshot adds its memory (it
 * holds the local models) and its start, the server's.
 */
export class WorkerMetrics {
  readonly #own = new Metrics();
  /** Workers that listen, and so answer. */
  readonly #workers = new Set<Worker>();
  readonly #waiting = new Map<number, { worker: Worker; settle(snapshot?: MetricsSnapshot): void }>();
  #next = 1;

  listening(worker: Worker): void {
    this.#workers.add(worker);
  }

  exited(worker: Worker): void {
    this.#workers.delete(worker);
    for (const wait of this.#waiting.values()) if (wait.worker === worker) wait.settle();
  }

  answered(ask: number, snapshot: MetricsSnapshot | undefined): void {
    this.#waiting.get(ask)?.settle(snapshot);
  }

  /** Every listening worker's snapshot and the primary's. */
  async gather(): Promise<MetricsSnapshot[]> {
    const answers = await Promise.all([...this.#workers].map((worker) => this.#ask(worker)));
    return [this.#own.snapshot(), ...answers.filter((snapshot) => snapshot !== undefined)];
  }

  #ask(worker: Worker): Promise<MetricsSnapshot | undefined> {
    const ask = this.#next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(), ANSWER_MS);
      const settle = (snapshot?: MetricsSnapshot) => {
        clearTimeout(timer);
        this.#waiting.delete(ask);
        resolve(snapshot);
      };
      this.#waiting.set(ask, { worker, settle });
      if (!sendToWorker(worker, { kind: 'metrics-wanted', ask })) settle();
    });
  }
}

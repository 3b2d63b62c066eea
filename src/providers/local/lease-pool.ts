interface Waiter<T> {
  /** What the request will cost once it holds an item (prompt and output tokens, for a sequence). */
  cost: number;
  since: number;
  take(item: T): void;
  fail(error: unknown): void;
}

/** How fast waiting makes a request cheaper: after this long its cost counts half, after twice as long a third. */
export const AGING_MS = 2_000;

/**
 * A fixed set of items (a model's context sequences) lent to one request at a time. When all
 * are out, a freed item goes to the waiter of least cost (shortest job first), its cost divided
 * by how long it has waited (1 + waited / AGING_MS): a short request is not held behind a queue
 * of long prompts and long answers, and a long one is never starved, since waiting makes it
 * cheaper by the second. Equal costs are served in order of arrival. A request whose signal
 * aborts while waiting leaves the queue at once and is never handed an item.
 */
export class LeasePool<T> {
  private readonly free: T[];
  private readonly size: number;
  private readonly waiters: Waiter<T>[] = [];
  private closedWith: { error: unknown } | undefined;

  constructor(
    items: readonly T[],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.free = [...items];
    this.size = items.length;
  }

  /** Items now lent out. */
  get lent(): number {
    return this.size - this.free.length;
  }

  /** Requests queued for an item. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with an item to give back with `release`; rejects with `signal.reason` on abort. */
  acquire(signal: AbortSignal, cost = 1): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith.error);
    if (signal.aborted) return Promise.reject(signal.reason);
    const item = this.free.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter<T> = {
        cost: Math.max(0, cost),
        since: this.now(),
        take(item) {
          signal.removeEventListener('abort', onAbort);
          resolve(item);
        },
        fail(error) {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands the item to the waiter of least aged cost, or back to the free set. */
  release(item: T): void {
    const next = this.next();
    if (next) next.take(item);
    else this.free.push(item);
  }

  /** Fails every waiting and later request with `error`. */
  close(error: unknown): void {
    this.closedWith = { error };
    for (const waiter of this.waiters.splice(0)) waiter.fail(error);
  }

  private next(): Waiter<T> | undefined {
    const now = this.now();
    let best = -1;
    let bestCost = Infinity;
    this.waiters.forEach((waiter, index) => {
      const aged = waiter.cost / (1 + (now - waiter.since) / AGING_MS);
      if (aged < bestCost) [best, bestCost] = [index, aged];
    });
    return best < 0 ? undefined : this.waiters.splice(best, 1)[0];
  }
}

interface Waiter<T> {
  take(item: T): void;
  fail(error: unknown): void;
}

/**
 * A fixed set of items (a model's context sequences) lent to one request at a time. When all
 * are out, requests wait in a FIFO queue; a request whose signal aborts while waiting leaves
 * the queue at once and is never handed an item.
 */
export class LeasePool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closedWith: { error: unknown } | undefined;

  constructor(items: readonly T[]) {
    this.free = [...items];
  }

  /** Requests queued for an item. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with an item to give back with `release`; rejects with `signal.reason` on abort. */
  acquire(signal: AbortSignal): Promise<T> {
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

  /** Hands the item to the longest-waiting request, or back to the free set. */
  release(item: T): void {
    const next = this.waiters.shift();
    if (next) next.take(item);
    else this.free.push(item);
  }

  /** Fails every waiting and later request with `error`. */
  close(error: unknown): void {
    this.closedWith = { error };
    for (const waiter of this.waiters.splice(0)) waiter.fail(error);
  }
}

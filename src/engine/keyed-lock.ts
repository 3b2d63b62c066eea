/** Mutual exclusion by key: holders of one key run one after another, in the order they asked. */
export interface KeyedLocks {
  /** Waits for every earlier holder of `key`; resolves to the function that releases it. */
  acquire(key: string): Promise<() => void>;
}

/** Keyed locks in this process. Keys nobody holds cost nothing. */
export class KeyedLock implements KeyedLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for every earlier holder of `key`; resolves to the function that releases it. */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

import type { KeyPatch, KeyRecord, KeyStore } from './key-store.ts';

/**
 * How long a key lookup is answered from memory. A change made in this process (through this
 * store) is seen at once; one made by another process on the same database (`--workers`,
 * another instance, `portico keys` on the command line) within this long.
 */
export const KEY_CACHE_MS = 1_000;

/** Distinct tokens remembered at most: a client trying random keys cannot grow the cache without bound. */
const MAX_ENTRIES = 10_000;

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * A KeyStore that remembers what authentication asks on every request (`findByHash`,
 * `anyActive`) for KEY_CACHE_MS, so a request's key check costs no database query. Every
 * change through it empties the cache; the other reads pass through.
 */
export class CachedKeyStore implements KeyStore {
  readonly #store: KeyStore;
  readonly #now: () => number;
  #byHash = new Map<string, Cached<KeyRecord | undefined>>();
  #anyActive: Cached<boolean> | undefined;
  /** Bumped by every change, so a lookup that was in flight during one is not remembered. */
  #generation = 0;

  constructor(store: KeyStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const hit = this.#byHash.get(hash);
    if (hit && hit.until > this.#now()) return hit.value;
    const generation = this.#generation;
    const value = await this.#store.findByHash(hash);
    if (generation === this.#generation) {
      if (this.#byHash.size >= MAX_ENTRIES) this.#byHash.clear();
      this.#byHash.set(hash, { value, until: this.#now() + KEY_CACHE_MS });
    }
    return value;
  }

  async anyActive(): Promise<boolean> {
    const hit = this.#anyActive;
    if (hit && hit.until > this.#now()) return hit.value;
    const generation = this.#generation;
    const value = await this.#store.anyActive();
    if (generation === this.#generation) this.#anyActive = { value, until: this.#now() + KEY_CACHE_MS };
    return value;
  }

  async insert(record: KeyRecord, hash: string): Promise<void> {
    this.#forget();
    await this.#store.insert(record, hash);
    this.#forget();
  }

  async update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    this.#forget();
    const updated = await this.#store.update(id, patch);
    this.#forget();
    return updated;
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.#forget();
    const revoked = await this.#store.revoke(id, at);
    this.#forget();
    return revoked;
  }

  get(id: string): Promise<KeyRecord | undefined> {
    return this.#store.get(id);
  }

  list(filter: Parameters<KeyStore['list']>[0]): Promise<KeyRecord[]> {
    return this.#store.list(filter);
  }

  anyAdmin(now: number): Promise<boolean> {
    return this.#store.anyAdmin(now);
  }

  #forget(): void {
    this.#generation++;
    this.#byHash.clear();
    this.#anyActive = undefined;
  }
}

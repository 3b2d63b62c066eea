import type { ModelEvent } from '../providers/provider.ts';

/** One cached answer: the model events of a completed generation, replayed through the engine on a hit. */
export interface CachedAnswer {
  /** The catalog id of the model that answered. */
  model: string;
  /** Which of the call's candidates answered (`cf-aig-step`); absent: the first. */
  step?: number;
  events: ModelEvent[];
}

/** Answers by cache key (a hash that includes the project). Entries expire; a lookup never returns an expired one. */
export interface CacheStore {
  get(key: string, now: number): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer, expiresAt: number): Promise<void>;
  /** Drops expired entries; returns how many. */
  prune(now: number): Promise<number>;
}

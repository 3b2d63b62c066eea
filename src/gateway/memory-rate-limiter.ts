import type { RateLimit } from '../api/gateway-settings.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

interface Window {
  /** fixed: the window's start; sliding: unused. */
  start: number;
  /** fixed: the count; sliding: the times of the requests in the trailing window, oldest first. */
  count: number;
  times: number[];
  /** Index of the oldest live entry in `times` (a queue without shifting). */
  head: number;
}

/** Counters in this process: exact for both techniques, memory bounded by the limits in force. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, Window>();
  #sweepAt = 0;

  async consume(key: string, rule: RateLimit, now: number): Promise<RateDecision> {
    this.#sweep(now, rule.periodMs);
    const id = `${key}\u0000${rule.technique}:${rule.limit}/${rule.periodMs}`;
    let window = this.#windows.get(id);
    if (!window) this.#windows.set(id, (window = { start: 0, count: 0, times: [], head: 0 }));
    return rule.technique === 'fixed' ? fixed(window, rule, now) : sliding(window, rule, now);
  }

  /** Drops windows that have been idle a whole period, at most once a period. */
  #sweep(now: number, periodMs: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + Math.max(periodMs, 1000);
    for (const [id, window] of this.#windows) {
      const last = window.times.length > window.head ? window.times.at(-1)! : window.start;
      if (now - last > periodMs * 2) this.#windows.delete(id);
    }
  }
}

function fixed(window: Window, rule: RateLimit, now: number): RateDecision {
  const start = now - (now % rule.periodMs);
  if (window.start !== start) {
    window.start = start;
    window.count = 0;
  }
  if (window.count >= rule.limit)
    return { allowed: false, remaining: 0, retryAfterMs: start + rule.periodMs - now };
  window.count += 1;
  return { allowed: true, remaining: rule.limit - window.count, retryAfterMs: 0 };
}

function sliding(window: Window, rule: RateLimit, now: number): RateDecision {
  const times = window.times;
  while (window.head < times.length && times[window.head]! <= now - rule.periodMs) window.head += 1;
  if (window.head > 1024 && window.head * 2 > times.length) {
    times.splice(0, window.head);
    window.head = 0;
  }
  const live = times.length - window.head;
  if (live >= rule.limit) {
    return { allowed: false, remaining: 0, retryAfterMs: times[window.head]! + rule.periodMs - now };
  }
  times.push(now);
  return { allowed: true, remaining: rule.limit - live - 1, retryAfterMs: 0 };
}

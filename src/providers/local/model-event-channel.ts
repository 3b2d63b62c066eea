import type { ModelEvent } from '../provider.ts';

/**
 * Bridges node-llama-cpp's callbacks (pushed as tokens are generated, with no way to wait) to
 * a pull loop. Events not yet read are kept in order, and a delta that follows a delta of the
 * same kind (text, or the same call's arguments) is merged into it, so a slow reader holds
 * only the text generated since its last read plus one entry per call, never a queue of
 * per-token objects; that text is bounded by the generation's token limit.
 */
export class ModelEventChannel {
  private pending: ModelEvent[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  push(...events: ModelEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      const last = this.pending.at(-1);
      if (event.type === 'text-delta' && event.delta === '') continue;
      if (event.type === 'text-delta' && last?.type === 'text-delta') last.delta += event.delta;
      else if (
        event.type === 'tool-call-delta' &&
        last?.type === 'tool-call-delta' &&
        last.callId === event.callId
      )
        last.delta += event.delta;
      else this.pending.push({ ...event });
    }
    this.notify();
  }

  /** No more events will come; the reader gets what is pending, then ends. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** Yields the pending events whenever there are some, until the channel is closed and drained. */
  async *events(): AsyncGenerator<ModelEvent, void, undefined> {
    for (;;) {
      if (this.pending.length > 0) {
        const events = this.pending;
        this.pending = [];
        yield* events;
      } else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Wakes the reader on the next turn of the event loop, not in a microtask: node-llama-cpp
   * first finishes its own step and hands the next token's decode to its thread, so the
   * reader's work (the response's events, the SSE write) runs while that token is computed
   * instead of delaying it.
   */
  private notify(): void {
    const wake = this.wake;
    if (!wake) return;
    this.wake = undefined;
    setImmediate(wake);
  }
}

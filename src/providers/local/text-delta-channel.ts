/**
 * Bridges node-llama-cpp's text callbacks (pushed as tokens are generated, with no way to
 * wait) to a pull loop. Text not yet read is coalesced into one string, so a slow reader
 * holds only the text generated since its last read, never a queue of per-token objects;
 * that text is bounded by the generation's token limit.
 */
export class TextDeltaChannel {
  private pending = '';
  private closed = false;
  private wake: (() => void) | undefined;

  push(text: string): void {
    if (text === '' || this.closed) return;
    this.pending += text;
    this.notify();
  }

  /** No more text will come; the reader gets what is pending, then ends. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** Yields the pending text whenever there is some, until the channel is closed and drained. */
  async *deltas(): AsyncGenerator<string, void, undefined> {
    for (;;) {
      if (this.pending !== '') {
        const text = this.pending;
        this.pending = '';
        yield text;
      } else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

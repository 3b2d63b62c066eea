import { setMaxListeners } from 'node:events';

/**
 * The work a process is doing, so that a shutdown can wait for it and then stop the rest: every
 * generation enters when it starts and leaves when its record is written, every HTTP request
 * until its answer is ready (count-work.ts), a claimed background run until it has ended, a
 * WebSocket that is draining until it has closed. A shutdown first `drain`s (no new work is
 * taken), waits, then `stop`s what still runs.
 */
export class WorkTracker {
  private running = 0;
  private readonly waiters = new Set<() => void>();
  private readonly drainer = new AbortController();
  private readonly stopper = new AbortController();

  constructor() {
    // Every running generation listens for the stop, every WebSocket for the drain: their number is not a leak.
    setMaxListeners(0, this.stopper.signal);
    setMaxListeners(0, this.drainer.signal);
  }

  /**
   * Fires when a shutdown begins: what takes work in stops taking it (the background runner
   * claims no more queued runs, a WebSocket answers what it received and closes); what runs
   * goes on.
   */
  get drainSignal(): AbortSignal {
    return this.drainer.signal;
  }

  /** Fires when running work must end now: generations end as failed and are stored so. */
  get stopSignal(): AbortSignal {
    return this.stopper.signal;
  }

  get active(): number {
    return this.running;
  }

  /** Counts one piece of work in; the function returned counts it out (once, however often called). */
  enter(): () => void {
    this.running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      if (this.running === 0) for (const wake of this.waiters) wake();
    };
  }

  /** Resolves when nothing runs, or after `ms`; true when everything finished in time. */
  async idle(ms: number): Promise<boolean> {
    if (this.running === 0) return true;
    let wake = (): void => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([
      new Promise<boolean>((resolve) => {
        wake = () => resolve(true);
        this.waiters.add(wake);
      }),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    this.waiters.delete(wake);
    return finished;
  }

  /** Takes no new work from now on (see `drainSignal`). */
  drain(): void {
    this.drainer.abort();
  }

  /** Aborts every running generation; they end as failed, and their records are written. */
  stop(): void {
    this.stopper.abort(new DOMException('Portico is shutting down', 'AbortError'));
  }
}

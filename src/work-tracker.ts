import { setMaxListeners } from 'node:events';

/**
 * The responses a process is generating, so that a shutdown can wait for them and then stop
 * the rest. Every generation enters when it starts and leaves when its record is written;
 * `stopSignal` aborts those still running when the wait is over.
 */
export class WorkTracker {
  private running = 0;
  private readonly waiters = new Set<() => void>();
  private readonly stopper = new AbortController();

  constructor() {
    // Every running generation listens for the stop: their number is not a leak.
    setMaxListeners(0, this.stopper.signal);
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

  /** Aborts every running generation; they end as failed, and their records are written. */
  stop(): void {
    this.stopper.abort(new DOMException('Portico is shutting down', 'AbortError'));
  }
}

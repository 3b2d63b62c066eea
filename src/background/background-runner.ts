import { toApiError } from '../api/errors.ts';
import { hasEnded, type ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { failure } from '../engine/finish-status.ts';
import { CANCEL_REASON } from '../engine/run-signal.ts';
import type { Logger } from '../logger.ts';
import type { WorkTracker } from '../work-tracker.ts';
import type { BackgroundRun, BackgroundStore } from '../store/background-store.ts';
import type { Owner } from '../store/owner.ts';
import type { ResponseStore } from '../store/response-store.ts';
import { closeStream } from './end-stream.ts';
import type { EventLog } from './event-log.ts';
import { interruptRun } from './interrupt-run.ts';
import { readQueuedRequest, type ReadQueuedRequest } from './queued-request.ts';

/** Runs a claimed response: the engine's two steps, carrying on from its queued record. */
export type StartBackground = (
  queued: ReadQueuedRequest,
  owner: Owner,
  signal: AbortSignal,
  resume: { response: ResponseObject; sequence: number },
) => Promise<AsyncGenerator<ResponseStreamEvent, void, undefined>>;

export interface BackgroundRunnerOptions {
  background: BackgroundStore;
  responses: ResponseStore;
  log: EventLog;
  start: StartBackground;
  /** This process, as lease holders are named. */
  instance: string;
  /** Runs of one model this instance runs at once; more wait in the queue. */
  concurrency: number;
  /** How long a claim holds without renewal; renewed every `pollMs`. */
  leaseMs: number;
  /** How often to renew leases, recover lapsed runs and look for queued ones. */
  pollMs: number;
  now: () => number;
  logger: Logger;
  /**
   * The process's work: a claimed run counts in it until it has ended, and once a shutdown
   * drains it no more runs are claimed (they wait in the queue for the next start, or another
   * instance); leases are still renewed and lapsed runs recovered.
   */
  work?: WorkTracker;
}

type StopReason = typeof CANCEL_REASON | 'lost' | 'shutdown';

interface Active {
  model: string;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The workers of background responses. Every `pollMs` it renews the leases of what it runs
 * (stopping a run whose lease another instance took, or that was cancelled), recovers runs
 * whose holder let its lease lapse, and claims queued runs while a model has a free slot.
 * A run's events go to the event log; nothing about it depends on a client being connected.
 */
export class BackgroundRunner {
  readonly #active = new Map<string, Active>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #again = false;
  #started = false;
  #closed = false;

  constructor(private readonly options: BackgroundRunnerOptions) {}

  start(): void {
    this.#started = true;
    this.#timer = setInterval(() => this.wake(), this.options.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /**
   * Looks for work now (a run was queued, or a slot freed), once the current look is done; a
   * runner never started (a process that leaves running to others) never looks.
   */
  wake(): void {
    if (!this.#started || this.#closed) return;
    if (this.#again) return;
    this.#again = true;
    this.#ticking = this.#ticking.then(async () => {
      this.#again = false;
      await this.#tick().catch((error: unknown) =>
        this.options.logger.error('background runs could not be checked', { error: String(error) }),
      );
    });
  }

  /** Stops a run this instance holds; false when it runs elsewhere (its holder sees the flag). */
  stop(responseId: string): boolean {
    const active = this.#active.get(responseId);
    active?.abort.abort(CANCEL_REASON satisfies StopReason);
    return active !== undefined;
  }

  /** Resolves when the run this instance holds has ended and been recorded (at once if it holds none). */
  async settled(responseId: string): Promise<void> {
    await this.#active.get(responseId)?.done;
  }

  /** Stops claiming; runs in flight are interrupted (queued again when they had no output yet). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#ticking;
    for (const active of this.#active.values()) active.abort.abort('shutdown' satisfies StopReason);
    await Promise.all([...this.#active.values()].map((active) => active.done));
  }

  async #tick(): Promise<void> {
    const { background, instance, leaseMs, now } = this.options;
    for (const [id, active] of this.#active) {
      const lease = await background.renew(id, instance, now(), leaseMs);
      if (!lease.held) active.abort.abort('lost' satisfies StopReason);
      else if (lease.cancel) active.abort.abort(CANCEL_REASON satisfies StopReason);
    }
    for (const lapsed of await background.takeLapsed(instance, now(), leaseMs)) {
      const outcome = await interruptRun(
        lapsed,
        'The response was interrupted: the server running it stopped.',
        this.deps(),
      );
      this.options.logger.warn('a background run whose server stopped was recovered', {
        response: lapsed.responseId,
        outcome,
      });
    }
    while (!this.#closed && !this.options.work?.drainSignal.aborted) {
      const run = await background.claim(instance, this.#busyModels(), now(), leaseMs);
      if (!run) break;
      this.#execute(run);
    }
  }

  #busyModels(): string[] {
    const counts = new Map<string, number>();
    for (const active of this.#active.values()) counts.set(active.model, (counts.get(active.model) ?? 0) + 1);
    return [...counts].filter(([, count]) => count >= this.options.concurrency).map(([model]) => model);
  }

  #execute(run: BackgroundRun): void {
    const abort = new AbortController();
    const leave = this.options.work?.enter();
    const done = this.#run(run, abort.signal).finally(() => {
      this.#active.delete(run.responseId);
      leave?.();
      this.wake();
    });
    this.#active.set(run.responseId, { model: run.model, abort, done });
  }

  async #run(run: BackgroundRun, signal: AbortSignal): Promise<void> {
    const { background, responses, log, instance } = this.options;
    const recorder = log.open(run.responseId);
    let response: ResponseObject | undefined;
    try {
      response = await responses.get(run.responseId, run.owner);
      // Deleted, or ended (cancelled while it waited). A record still `in_progress` is a requeue
      // whose record a crash kept from landing (before a requeue was one transaction): it runs.
      if (!response || hasEnded(response)) return;
      const next =
        ((await background.events(run.responseId, run.owner, -1)).at(-1)?.sequence_number ?? -1) + 1;
      const events = await this.options.start(readQueuedRequest(run.request), run.owner, signal, {
        response,
        sequence: next,
      });
      for await (const event of events) recorder.push(event);
    } catch (error) {
      // Failed or cancelled before generation: there is no stream to end it, so it is ended here.
      const cancelled = signal.reason === CANCEL_REASON;
      if (response && (!signal.aborted || cancelled)) {
        await recorder.close(); // what it streamed is stored first, for the ending to close
        const ending = cancelled
          ? ({ status: 'cancelled' } as const)
          : ({ status: 'failed', error: failure(toApiError(error)) } as const);
        await background.end(run.responseId, run.owner, instance, closeStream(response, ending));
      }
    } finally {
      await recorder.close();
      await this.#release(run, signal.aborted ? (signal.reason as StopReason) : undefined);
    }
  }

  /** Lets go of a run that ended: it leaves the queue, unless a shutdown interrupted it. */
  async #release(run: BackgroundRun, stopped: StopReason | undefined): Promise<void> {
    const { background } = this.options;
    if (stopped === 'lost') return; // another instance recovered it already
    if (stopped !== 'shutdown') return background.complete(run.responseId, this.options.instance);
    const events = await background.events(run.responseId, run.owner, -1);
    await interruptRun(
      { ...run, events, cancel: false },
      'The response was interrupted: the server running it shut down.',
      this.deps(),
    );
  }

  private deps() {
    return {
      background: this.options.background,
      responses: this.options.responses,
      instance: this.options.instance,
    };
  }
}

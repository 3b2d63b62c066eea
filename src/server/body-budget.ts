import { ApiError } from '../api/errors.ts';
import { positiveNumber } from '../config/env-number.ts';

/** Bodies up to this size never wait: nearly every request is far smaller, and costs one comparison. */
export const FREE_BODY_BYTES = 1024 * 1024;
/** The whole server's budget when `PORTICO_BODY_BUDGET_MB` is unset. */
export const DEFAULT_BUDGET_MB = 256;
/** How long a large body waits for room before its request is refused. */
export const BODY_WAIT_MS = 30_000;
/** How many processes share the budget: set by `portico serve --workers N` on each worker. */
export const WORKER_COUNT_ENV = 'PORTICO_WORKER_COUNT';

const MIB = 1024 * 1024;

interface Waiter {
  bytes: number;
  grant(): void;
}

/**
 * Bytes of large request bodies one process serves at once. What a request holds grows with its
 * body (the bytes, their text, the parsed value, the stored input, the upstream's copy, the
 * log's: a 40 MiB body peaked near 0.5 GB), so a few dozen large requests at once could exhaust
 * the machine's memory. A large body is read only once its bytes fit (its socket is not read
 * meanwhile) and holds them until its answer ends. Waiters are served in arrival order, so a
 * large body is never passed over for ever by smaller ones; one larger than the whole budget
 * takes all of it. A body that waits `waitMs` in vain is a 503 `server_busy` with `retry-after`.
 */
export class BodyBudget {
  #used = 0;
  readonly #waiting: Waiter[] = [];

  constructor(
    readonly capacity: number,
    readonly waitMs = BODY_WAIT_MS,
  ) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /**
   * Holds `bytes` (at most the capacity) once they fit; resolves with the function that gives
   * them back (once, whoever calls it). `gone` settles when the request's client went away: a
   * waiter then leaves the line, and its promise rejects.
   */
  async hold(bytes: number, gone: Promise<unknown>): Promise<() => void> {
    const wanted = Math.min(bytes, this.capacity);
    if (this.#waiting.length === 0 && this.#used + wanted <= this.capacity) {
      this.#used += wanted;
      return this.#release(wanted);
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (error: ApiError) => {
        const at = this.#waiting.indexOf(waiter);
        if (at === -1) return;
        this.#waiting.splice(at, 1);
        clearTimeout(timer);
        reject(error);
        // The head of the line may have left: those behind it may fit now.
        this.#grant();
      };
      const waiter: Waiter = {
        bytes: wanted,
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => leave(busy(this.capacity, this.waitMs)), this.waitMs);
      void gone.then(
        () => leave(clientGone()),
        () => leave(clientGone()),
      );
      this.#waiting.push(waiter);
    });
    return this.#release(wanted);
  }

  #release(bytes: number): () => void {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#used -= bytes;
      this.#grant();
    };
  }

  #grant(): void {
    for (
      let next = this.#waiting[0];
      next && this.#used + next.bytes <= this.capacity;
      next = this.#waiting[0]
    ) {
      this.#waiting.shift();
      this.#used += next.bytes;
      next.grant();
    }
  }
}

function busy(capacity: number, waitMs: number): ApiError {
  return new ApiError({
    status: 503,
    type: 'server_error',
    code: 'server_busy',
    message: `The server is busy with other large requests (${Math.round(capacity / MIB)} MiB of request bodies at once) and had no room for this one within ${waitMs / 1000} s: send it again shortly.`,
    retryAfter: 5,
  });
}

function clientGone(): ApiError {
  return new ApiError({
    status: 499,
    type: 'invalid_request_error',
    code: 'client_closed_request',
    message: 'The client went away while its request waited.',
  });
}

/** This process's share of the server's budget: `PORTICO_BODY_BUDGET_MB` (default 256) over its worker processes. */
export function processBudgetBytes(env: NodeJS.ProcessEnv): number {
  const total = (positiveNumber(env, 'PORTICO_BODY_BUDGET_MB') ?? DEFAULT_BUDGET_MB) * MIB;
  return Math.max(FREE_BODY_BYTES, Math.floor(total / (positiveNumber(env, WORKER_COUNT_ENV) ?? 1)));
}

let processBudget: BodyBudget | undefined;

/** The budget of this process, made at its first large body: memory is the process's, whatever serves in it. */
export function bodyBudget(): BodyBudget {
  return (processBudget ??= new BodyBudget(processBudgetBytes(process.env)));
}

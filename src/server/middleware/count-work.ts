import type { MiddlewareHandler } from 'hono';
import { shuttingDown } from '../../api/errors.ts';
import type { WorkTracker } from '../../work-tracker.ts';
import type { AppEnv } from '../app-env.ts';

/**
 * Every request counts as running work until its answer is ready, so that a shutdown waits for
 * one still reading its body or passing the gateway, not only for generations (a streamed
 * answer's generation counts on its own; a background response's follower leaves once it
 * follows, with `leaveWork`, so it does not hold a shutdown). Once the shutdown's grace has run
 * out and running work was stopped, a request is refused: a 503 `server_shutting_down`.
 */
export function countWork(work: WorkTracker): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (work.stopSignal.aborted)
      throw shuttingDown('Portico is shutting down: send the request again, to a server that is running.');
    const leave = work.enter();
    c.set('leaveWork', leave);
    try {
      await next();
    } finally {
      leave();
    }
  };
}

import type { Agent } from 'undici';
import { LIMITS } from '../../api/limits.ts';

const agents = new Map<number, Promise<Agent>>();

/**
 * The connection pool upstream requests go through: its connect timeout is the upstream's,
 * and undici's own header and body timeouts (300 s each) are off, so Portico's first-byte and
 * idle timers alone decide when an upstream is too slow. One pool per connect timeout, shared
 * by every provider that uses it, kept for the life of the process. An answer, streamed or
 * whole, is cut off past `LIMITS.upstreamAnswerBytes` (upstream-error.ts says so), so an
 * upstream that never stops cannot fill memory. undici is imported at the first upstream call:
 * a server of local models only never loads it.
 */
export function upstreamDispatcher(connectMs: number): Promise<Agent> {
  let agent = agents.get(connectMs);
  if (!agent) {
    agent = import('undici').then(
      ({ Agent }) =>
        new Agent({
          connect: { timeout: connectMs },
          headersTimeout: 0,
          bodyTimeout: 0,
          maxResponseSize: LIMITS.upstreamAnswerBytes,
        }),
    );
    agents.set(connectMs, agent);
  }
  return agent;
}

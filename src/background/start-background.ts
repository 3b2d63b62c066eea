import { hasEnded } from '../api/response.ts';
import type { EngineContext } from '../engine/engine-context.ts';
import type { IdGenerator } from '../engine/ids.ts';
import type { Gateway } from '../gateway/create-gateway.ts';
import type { Logger } from '../logger.ts';
import type { WorkTracker } from '../work-tracker.ts';
import type { Owner } from '../store/owner.ts';
import type { Stores } from '../store/stores.ts';
import { BackgroundResponses } from './background-responses.ts';
import { BackgroundRunner } from './background-runner.ts';
import { EventLog } from './event-log.ts';

export interface BackgroundSettings {
  /** Background runs of one model this process runs at once. */
  concurrency: number;
  /** How long a run's claim holds without renewal; leases are renewed every third of it (at most every second). */
  leaseMs: number;
  /** False: this process queues background responses but leaves running them to others. */
  run: boolean;
}

export interface BackgroundParts {
  stores: Stores;
  engine: (owner: Owner) => EngineContext;
  /** Runs go through the gateway as any request does: logs, cost, limits, cache, retries. */
  gateway: Gateway;
  newId: IdGenerator;
  now: () => number;
  logger: Logger;
  /** The process's work, which claimed runs count in and whose drain stops claiming. */
  work: WorkTracker;
}

/** The event log, the workers (started unless `run` is false) and the facade the routes use. */
export function startBackground(
  settings: BackgroundSettings,
  parts: BackgroundParts,
): { runner: BackgroundRunner; responses: BackgroundResponses } {
  const { stores, engine, now, logger } = parts;
  const pollMs = Math.max(50, Math.min(1000, Math.floor(settings.leaseMs / 3)));
  const isOver = async (id: string, owner: Owner) => {
    const response = await stores.responses.get(id, owner);
    return !response || hasEnded(response);
  };
  const log = new EventLog(stores.background, { flushMs: 50, pollMs, isOver });
  const runner = new BackgroundRunner({
    background: stores.background,
    responses: stores.responses,
    log,
    start: async ({ request, gateway, caller, options }, owner, signal, resume) =>
      (
        await parts.gateway.run({
          path: 'background',
          credentials: { kind: 'queued', project: owner, caller },
          gatewayId: gateway,
          options,
          steps: [{ request, options: {} }],
          stream: true,
          modelFallbacks: true,
          signal,
          warnings: [],
          resume,
        })
      ).events,
    instance: parts.newId('instance'),
    concurrency: settings.concurrency,
    leaseMs: settings.leaseMs,
    pollMs,
    now,
    logger,
    work: parts.work,
  });
  if (settings.run) runner.start();
  const responses = new BackgroundResponses({
    admit: (call) => parts.gateway.admit(call),
    store: stores.background,
    log,
    runner,
    engine,
    cancelWaitMs: pollMs * 3,
  });
  return { runner, responses };
}

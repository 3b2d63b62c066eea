import type { Logger } from './logger.ts';
import type { Stores } from './store/stores.ts';

export interface HeartbeatOptions {
  stores: Stores;
  /** How long a lease holds without renewal; renewed every third of it. */
  leaseMs: number;
  now: () => number;
  logger: Logger;
  /** Fail the work of instances whose lease lapsed, at start and on every beat (a server's job; off for one-shot commands). */
  recover: boolean;
}

/**
 * Keeps this process's instance lease alive while it runs, so the replicas sharing its
 * database leave its responses and vector-store files alone, and recovers the work of
 * instances that died: at start (after the first renewal, so nothing this process begins can be
 * taken for dead) and then on every beat, so a replica killed beside a running one has its
 * responses and files failed once its lease lapses. `stop` releases the lease: a clean shutdown leaves nothing to wait for.
 */
export class InstanceHeartbeat {
  private readonly timer: ReturnType<typeof setInterval>;
  private beating: Promise<void> = Promise.resolve();

  private constructor(private readonly options: HeartbeatOptions) {
    this.timer = setInterval(
      () => {
        this.beating = this.beat().catch((error: unknown) =>
          options.logger.warn('instance lease could not be renewed', { error: String(error) }),
        );
      },
      Math.max(1, Math.floor(options.leaseMs / 3)),
    ).unref();
  }

  static async start(options: HeartbeatOptions): Promise<InstanceHeartbeat> {
    const heartbeat = new InstanceHeartbeat(options);
    try {
      await heartbeat.beat();
    } catch (error) {
      clearInterval(heartbeat.timer);
      throw error;
    }
    return heartbeat;
  }

  private async beat(): Promise<void> {
    const { stores, leaseMs, now, logger } = this.options;
    const at = now();
    await stores.instances.renew(stores.instance, at, at + leaseMs);
    if (!this.options.recover) return;
    const failed = await stores.responses.recoverInterrupted();
    if (failed > 0)
      logger.warn('responses interrupted by a stopped or lost instance were marked failed', {
        count: failed,
      });
    const files = await stores.vectorStores.recoverInterrupted();
    if (files > 0)
      logger.warn('vector store files left in progress by a stopped or lost instance were marked failed', {
        count: files,
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.options.stores.instances
      .release(this.options.stores.instance)
      .catch((error: unknown) =>
        this.options.logger.warn('instance lease not released', { error: String(error) }),
      );
  }
}

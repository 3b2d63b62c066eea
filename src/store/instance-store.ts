import { randomBytes } from 'node:crypto';

/** One Portico process's lease, as the other replicas see it. */
export interface InstanceLease {
  id: string;
  /** Milliseconds since the epoch. */
  startedAt: number;
  renewedAt: number;
  /** Past this moment, without a renewal, the instance counts as dead and its unfinished work is recovered. */
  expiresAt: number;
}

/**
 * Who is alive among the processes sharing one database. Each process renews its lease while
 * it runs (instance-heartbeat.ts); responses and vector-store files record the instance that
 * runs them, and crash recovery touches only work whose instance's lease lapsed
 * (ResponseStore.recoverInterrupted, VectorStoreStore.recoverInterrupted).
 * Server-wide, like the schema: instances are not scoped to an owner.
 */
export interface InstanceStore {
  /** Registers or renews `id`'s lease until `expiresAt`; drops leases that lapsed over an hour ago. */
  renew(id: string, now: number, expiresAt: number): Promise<void>;
  /** Ends the lease at once (a clean shutdown: nothing of this instance is running any more). */
  release(id: string): Promise<void>;
  /** Leases that run past `now`, oldest instance first. */
  live(now: number): Promise<InstanceLease[]>;
}

/** A process's id among the replicas: `inst_` and 16 random hex digits. */
export function newInstanceId(): string {
  return `inst_${randomBytes(8).toString('hex')}`;
}

/** A lapsed lease is kept this long after it expired (for whoever looks), then dropped. */
export const LAPSED_LEASE_KEPT_MS = 3_600_000;

/**
 * SQL that is true for a row of `table` whose work was interrupted: it is not this instance's
 * (`self`, a placeholder) and its instance holds no lease live at `now` (a placeholder): none
 * at all when it was written before leases, or by a process that died before its first renewal.
 * One statement, so a replica that registers after it began cannot have begun anything it
 * would see. The same text on SQLite and PostgreSQL.
 */
export function interruptedWork(table: string, self: string, now: string): string {
  return `(${table}.instance IS NULL OR ${table}.instance <> ${self}) AND NOT EXISTS (
    SELECT 1 FROM instances WHERE instances.id = ${table}.instance AND instances.expires_at > ${now})`;
}

import type { LogEntry } from './log-store.ts';

/**
 * A gateway's cap on its logs (`log_limit`), enforced without counting them: each store keeps
 * a count per gateway (`log_counts`), raised in the transaction that inserts a batch and lowered
 * by a trigger on every deletion of a log (by the API, by retention, by the cap itself), so a
 * batch reads one row per capped gateway instead of a COUNT(*). The insert reads the counts
 * under the same write lock as it writes them (SQLite's, shared by `--workers`; an advisory
 * lock on PostgreSQL, shared by replicas), so no two batches decide from the same count:
 * `stop_inserting` never lets a gateway pass its cap, and `delete_oldest` deletes what a batch
 * put over it in that batch's transaction, up to `maxDelete` logs (more than a writer's batch
 * holds). Only a cap lowered below what a gateway holds leaves it over, until later batches or
 * the hourly maintenance (`LogStore.trim`) delete the rest, a bounded batch at a time.
 */
export interface LimitedBatch {
  /** The entries to write, in the batch's order. */
  kept: LogEntry[];
  /** How many logs each gateway gains: what its count rises by. */
  added: Map<string, number>;
  /** How many of their oldest logs `delete_oldest` gateways lose once the batch is in. */
  excess: Map<string, number>;
}

/** The gateways of a batch that have a cap: whose counts the insert reads. */
export function cappedGateways(entries: readonly LogEntry[]): string[] {
  return [...new Set(entries.filter((entry) => entry.logLimit).map((entry) => entry.gateway))];
}

const newestFirst = (a: LogEntry, b: LogEntry) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * What a batch writes under its gateways' caps, given how many logs each capped gateway holds.
 * Past a `stop_inserting` cap the later entries are not kept; under `delete_oldest` a batch
 * holding more than a whole cap of one gateway keeps only the newest. An entry not kept still
 * adds its cost (the store's insert counts every entry's). The cap is the one the gateway's
 * last entry carries: its settings as they were most recently.
 */
export function limitBatch(
  entries: readonly LogEntry[],
  held: ReadonlyMap<string, number>,
  maxDelete: number,
): LimitedBatch {
  const byGateway = new Map<string, LogEntry[]>();
  for (const entry of entries) {
    const group = byGateway.get(entry.gateway);
    if (group) group.push(entry);
    else byGateway.set(entry.gateway, [entry]);
  }
  const dropped = new Set<LogEntry>();
  const added = new Map<string, number>();
  const excess = new Map<string, number>();
  for (const [gateway, group] of byGateway) {
    const limit = group.at(-1)!.logLimit;
    const holds = held.get(gateway) ?? 0;
    let kept = group;
    if (limit?.strategy === 'stop_inserting') {
      kept = group.slice(0, Math.max(0, limit.maxLogs - holds));
    } else if (limit && group.length > limit.maxLogs) {
      kept = [...group].sort(newestFirst).slice(0, limit.maxLogs);
    }
    if (kept !== group) {
      const keep = new Set(kept);
      for (const entry of group) if (!keep.has(entry)) dropped.add(entry);
    }
    if (kept.length > 0) added.set(gateway, kept.length);
    const over = holds + kept.length - (limit?.maxLogs ?? Number.POSITIVE_INFINITY);
    if (limit?.strategy === 'delete_oldest' && over > 0) excess.set(gateway, Math.min(over, maxDelete));
  }
  return {
    kept: dropped.size ? entries.filter((entry) => !dropped.has(entry)) : [...entries],
    added,
    excess,
  };
}

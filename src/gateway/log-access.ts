import { notFound } from '../api/errors.ts';
import type { PatchLogRequest } from '../api/logs.ts';
import type {
  LogBounds,
  LogDeletion,
  LogEntry,
  LogFilter,
  LogPage,
  LogPageQuery,
  LogStore,
} from '../store/log-store.ts';
import type { Owner } from '../store/owner.ts';
import { isAdmin, requireKey, type Principal } from './principal.ts';

/** Reading, annotating and deleting logs as a principal: its own project's, or every project's for an admin. */
export class LogAccess {
  constructor(
    private readonly store: LogStore,
    /** Writes what is queued, so a log read right after its request finds it. */
    private readonly flush: () => Promise<void>,
  ) {}

  /** The project a principal's reads are limited to; undefined (all) for admins. */
  scope(principal: Principal, requested?: Owner, what = 'Reading logs'): Owner | undefined {
    requireKey(principal, what);
    return isAdmin(principal) ? requested : principal.project;
  }

  /** `gateway`: read through one gateway (AI Gateway's log API), which finds only its own entries. */
  async get(principal: Principal, id: string, gateway?: string): Promise<LogEntry> {
    await this.flush();
    const entry = await this.store.get(id, this.scope(principal));
    if (!entry || (gateway !== undefined && entry.gateway !== gateway)) throw logNotFound(id);
    return entry;
  }

  async query(principal: Principal, filter: LogFilter, page: LogPageQuery): Promise<LogPage> {
    await this.flush();
    return this.store.query(this.#scoped(principal, filter), page);
  }

  /** How many entries the principal would find. */
  async count(principal: Principal, filter: LogFilter): Promise<number> {
    return this.store.count(this.#scoped(principal, filter));
  }

  /** The ranges of what the entries the principal would find measured. */
  async bounds(principal: Principal, filter: LogFilter): Promise<LogBounds> {
    return this.store.bounds(this.#scoped(principal, filter));
  }

  /** Deletes what the principal would find: a project's key, only its own project's entries. */
  async delete(principal: Principal, filter: LogFilter, deletion: LogDeletion): Promise<number> {
    const scoped = this.#scoped(principal, filter, 'Deleting logs');
    await this.flush();
    return this.store.delete(scoped, deletion);
  }

  #scoped(principal: Principal, filter: LogFilter, what?: string): LogFilter {
    const project = this.scope(principal, filter.project, what);
    const { project: _requested, ...rest } = filter;
    return project !== undefined ? { ...rest, project } : rest;
  }

  async patch(principal: Principal, id: string, patch: PatchLogRequest, gateway?: string): Promise<LogEntry> {
    if (gateway !== undefined) await this.get(principal, id, gateway);
    await this.flush();
    const entry = await this.store.patch(id, this.scope(principal), {
      ...(patch.feedback !== undefined ? { feedback: patch.feedback } : {}),
      ...(patch.score !== undefined ? { score: patch.score } : {}),
      ...(patch.metadata !== undefined ? { metadata: patch.metadata } : {}),
    });
    if (!entry) throw logNotFound(id);
    return entry;
  }
}

function logNotFound(id: string) {
  return notFound(`No log found with id '${id.slice(0, 100)}'.`, 'log_not_found', 'id');
}

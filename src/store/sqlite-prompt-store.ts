import type { Database } from 'better-sqlite3';
import type { PromptTemplate } from '../api/prompts.ts';
import type { Owner } from './owner.ts';
import { SQLITE_PROMPT_MIGRATIONS } from './prompt-migrations.ts';
import {
  PROMPT_SQL,
  promptChanges,
  promptPageSql,
  promptValues,
  toPrompt,
  toPromptAtVersion,
  toPromptPage,
  toVersionPage,
  unknownCursor,
  updateSql,
  versionCursor,
  versionPageSql,
  type PromptRow,
  type PromptVersionRow,
} from './prompt-sql.ts';
import type {
  PromptAtVersion,
  PromptPage,
  PromptPageQuery,
  PromptRecord,
  PromptStore,
  PromptVersionRecord,
} from './prompt-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

/**
 * Prompts on SQLite, on the handle shared with the other stores. Each write runs whole inside
 * one group-commit transaction, taken with the write lock: a new version's number is read and
 * used under it, so versions added at once (by this process or another worker) never collide.
 */
export class SqlitePromptStore implements PromptStore {
  readonly #sql: StatementCache;

  constructor(
    db: Database,
    private readonly commits: SqliteGroupCommit,
  ) {
    migrate(db, 'prompts', SQLITE_PROMPT_MIGRATIONS);
    this.#sql = new StatementCache(db);
  }

  create(
    prompt: Omit<PromptRecord, 'latestVersion'>,
    template: PromptTemplate,
    owner: Owner,
  ): Promise<PromptRecord> {
    return this.commits.write(() => {
      this.#sql.get(PROMPT_SQL.insert).run(...promptValues(prompt, owner));
      this.#sql.get(PROMPT_SQL.insertVersion).run(prompt.id, 1, JSON.stringify(template), prompt.createdAt);
      return { ...prompt, latestVersion: 1 };
    });
  }

  addVersion(
    id: string,
    template: PromptTemplate,
    createdAt: number,
    owner: Owner,
  ): Promise<PromptAtVersion | undefined> {
    return this.commits.write(() => {
      const row = this.#sql.get(PROMPT_SQL.bump).get(id, owner) as PromptRow | undefined;
      if (!row) return undefined;
      const prompt = toPrompt(row);
      const version = prompt.latestVersion;
      this.#sql.get(PROMPT_SQL.insertVersion).run(id, version, JSON.stringify(template), createdAt);
      return { prompt, version: { promptId: id, version, template, createdAt } };
    });
  }

  async get(id: string, owner: Owner, version?: number): Promise<PromptAtVersion | undefined> {
    const row = this.#sql.get(PROMPT_SQL.select).get(id, owner, version ?? null) as
      PromptVersionRow | undefined;
    return row && toPromptAtVersion(row);
  }

  async update(
    id: string,
    owner: Owner,
    changes: Partial<Pick<PromptRecord, 'name' | 'description' | 'metadata'>>,
  ): Promise<PromptRecord | undefined> {
    const { fields, values } = promptChanges(changes);
    if (fields.length === 0) {
      const row = this.#sql.get(PROMPT_SQL.selectPrompt).get(id, owner) as PromptRow | undefined;
      return row && toPrompt(row);
    }
    return this.commits.write(() => {
      const row = this.#sql.get(updateSql(fields)).get(...values, id, owner) as PromptRow | undefined;
      return row && toPrompt(row);
    });
  }

  async list(owner: Owner, page: PromptPageQuery): Promise<PromptPage<PromptAtVersion>> {
    const after = page.after ? [page.after, owner] : [];
    const rows = this.#sql
      .get(promptPageSql(page))
      .all(owner, ...after, page.limit + 1) as PromptVersionRow[];
    if (rows.length === 0 && page.after && !this.#sql.get(PROMPT_SQL.selectPrompt).get(page.after, owner))
      throw unknownCursor('prompt', page.after);
    return toPromptPage(rows.map(toPromptAtVersion), page.limit);
  }

  async listVersions(
    id: string,
    owner: Owner,
    page: PromptPageQuery,
  ): Promise<(PromptPage<PromptVersionRecord> & { prompt: PromptRecord }) | undefined> {
    const after = versionCursor(page);
    const rows = this.#sql
      .get(versionPageSql(page))
      .all(id, owner, ...after, page.limit + 1) as PromptVersionRow[];
    const first = rows[0] ?? (this.#sql.get(PROMPT_SQL.selectPrompt).get(id, owner) as PromptRow | undefined);
    return toVersionPage(first, rows, page);
  }

  delete(id: string, owner: Owner): Promise<boolean> {
    return this.commits.write(() => this.#sql.get(PROMPT_SQL.delete).run(id, owner).changes > 0);
  }
}

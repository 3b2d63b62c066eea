import type { PromptTemplate } from '../api/prompts.ts';
import { postgresParams } from './container-sql.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
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

const Q = Object.fromEntries(
  Object.entries(PROMPT_SQL).map(([name, text]) => [name, sql(postgresParams(text))]),
) as Record<keyof typeof PROMPT_SQL, ReturnType<typeof sql>>;

/** The prompt and its first version in one statement: never one without the other. */
const CREATE = sql(
  postgresParams(`WITH made AS (${PROMPT_SQL.insert} RETURNING id, created_at)
    INSERT INTO prompt_versions (prompt_id, version, template, created_at)
    SELECT id, 1, CAST(? AS TEXT), created_at FROM made`),
);

/**
 * Bumps `latest_version` and inserts that version in one statement. The UPDATE locks the
 * prompt's row: a concurrent one (another replica's) waits for this to commit, then bumps the
 * number this one left, so versions come out one apart, each once.
 */
const ADD_VERSION = sql(
  postgresParams(`WITH bumped AS (${PROMPT_SQL.bump}),
    added AS (INSERT INTO prompt_versions (prompt_id, version, template, created_at)
              SELECT id, latest_version, CAST(? AS TEXT), CAST(? AS BIGINT) FROM bumped RETURNING version)
    SELECT bumped.* FROM bumped JOIN added ON added.version = bumped.latest_version`),
);

/** The PromptStore on PostgreSQL, on the pool shared with the other stores. */
export class PostgresPromptStore implements PromptStore {
  constructor(private readonly db: PostgresDatabase) {}

  async create(
    prompt: Omit<PromptRecord, 'latestVersion'>,
    template: PromptTemplate,
    owner: Owner,
  ): Promise<PromptRecord> {
    await this.db.execute(CREATE, [...promptValues(prompt, owner), JSON.stringify(template)]);
    return { ...prompt, latestVersion: 1 };
  }

  async addVersion(
    id: string,
    template: PromptTemplate,
    createdAt: number,
    owner: Owner,
  ): Promise<PromptAtVersion | undefined> {
    const [row] = await this.db.query<PromptRow>(ADD_VERSION, [
      id,
      owner,
      JSON.stringify(template),
      createdAt,
    ]);
    if (!row) return undefined;
    const prompt = toPrompt(row);
    return { prompt, version: { promptId: id, version: prompt.latestVersion, template, createdAt } };
  }

  async get(id: string, owner: Owner, version?: number): Promise<PromptAtVersion | undefined> {
    const [row] = await this.db.query<PromptVersionRow>(Q.select, [id, owner, version ?? null]);
    return row && toPromptAtVersion(row);
  }

  async update(
    id: string,
    owner: Owner,
    changes: Partial<Pick<PromptRecord, 'name' | 'description' | 'metadata'>>,
  ): Promise<PromptRecord | undefined> {
    const { fields, values } = promptChanges(changes);
    const [row] =
      fields.length === 0
        ? await this.db.query<PromptRow>(Q.selectPrompt, [id, owner])
        : await this.db.query<PromptRow>(sql(postgresParams(updateSql(fields))), [...values, id, owner]);
    return row && toPrompt(row);
  }

  async list(owner: Owner, page: PromptPageQuery): Promise<PromptPage<PromptAtVersion>> {
    const after = page.after ? [page.after, owner] : [];
    const rows = await this.db.query<PromptVersionRow>(sql(postgresParams(promptPageSql(page))), [
      owner,
      ...after,
      page.limit + 1,
    ]);
    if (rows.length === 0 && page.after && !(await this.promptRow(page.after, owner)))
      throw unknownCursor('prompt', page.after);
    return toPromptPage(rows.map(toPromptAtVersion), page.limit);
  }

  async listVersions(
    id: string,
    owner: Owner,
    page: PromptPageQuery,
  ): Promise<(PromptPage<PromptVersionRecord> & { prompt: PromptRecord }) | undefined> {
    const after = versionCursor(page);
    const rows = await this.db.query<PromptVersionRow>(sql(postgresParams(versionPageSql(page))), [
      id,
      owner,
      ...after,
      page.limit + 1,
    ]);
    return toVersionPage(rows[0] ?? (await this.promptRow(id, owner)), rows, page);
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return (await this.db.execute(Q.delete, [id, owner])) > 0;
  }

  private async promptRow(id: string, owner: Owner): Promise<PromptRow | undefined> {
    return (await this.db.query<PromptRow>(Q.selectPrompt, [id, owner]))[0];
  }
}

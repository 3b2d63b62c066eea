import { badRequest, type ApiError } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import { parsePromptVersion } from '../api/prompt-version.ts';
import type { PromptTemplate } from '../api/prompts.ts';
import type {
  PromptAtVersion,
  PromptPage,
  PromptPageQuery,
  PromptRecord,
  PromptVersionRecord,
} from './prompt-store.ts';

/**
 * The prompt store's SQL, written once with `?` parameters for both backends (PostgreSQL
 * numbers them: `postgresParams`). Integers come back as numbers from SQLite and as strings
 * from PostgreSQL's BIGINT: the row mappers take either. Every read names the owner on the
 * prompt's row; a version is reached only through its prompt.
 */
const COLUMNS = ['id', 'name', 'description', 'metadata', 'created_at', 'latest_version'];
/** What an UPDATE returns: SQLite's RETURNING takes no table alias. */
const RETURNED = COLUMNS.join(', ');
const PROMPT_COLUMNS = COLUMNS.map((column) => `p.${column}`).join(', ');
const AT_VERSION_COLUMNS = `${PROMPT_COLUMNS}, v.version, v.template, v.created_at AS version_created_at`;

export const PROMPT_SQL = {
  insert: `INSERT INTO prompts (id, owner, name, description, metadata, created_at, latest_version)
           VALUES (?, ?, ?, ?, ?, ?, 1)`,
  insertVersion: `INSERT INTO prompt_versions (prompt_id, version, template, created_at) VALUES (?, ?, ?, ?)`,
  /** The write lock (SQLite) or the row's lock (PostgreSQL) makes concurrent bumps take turns. */
  bump: `UPDATE prompts SET latest_version = latest_version + 1 WHERE id = ? AND owner = ? RETURNING ${RETURNED}`,
  /** At version `?`, or at the latest when it is null. */
  select: `SELECT ${AT_VERSION_COLUMNS} FROM prompts p JOIN prompt_versions v ON v.prompt_id = p.id
           WHERE p.id = ? AND p.owner = ? AND v.version = COALESCE(?, p.latest_version)`,
  selectPrompt: `SELECT ${PROMPT_COLUMNS} FROM prompts p WHERE p.id = ? AND p.owner = ?`,
  delete: `DELETE FROM prompts WHERE id = ? AND owner = ?`,
};

type DescribingField = 'name' | 'description' | 'metadata';

/** The fields an update sets (those not left undefined), and their column values. */
export function promptChanges(changes: Partial<Pick<PromptRecord, DescribingField>>): {
  fields: DescribingField[];
  values: unknown[];
} {
  const fields = (['name', 'description', 'metadata'] as const).filter(
    (field) => changes[field] !== undefined,
  );
  const values = fields.map((field) =>
    field === 'metadata' ? JSON.stringify(changes.metadata) : (changes[field] ?? null),
  );
  return { fields, values };
}

/** Sets the given fields of what describes a prompt (`fields` is never empty). */
export function updateSql(fields: readonly DescribingField[]): string {
  return `UPDATE prompts SET ${fields.map((field) => `${field} = ?`).join(', ')}
          WHERE id = ? AND owner = ? RETURNING ${RETURNED}`;
}

/**
 * A page of prompts, each at its latest version, `limit + 1` rows to tell `has_more`. Its
 * parameters: the owner, then (with `after`) the cursor's id and the owner again; then the limit.
 * A cursor that is unknown (or another owner's) matches nothing: an empty page is checked
 * with `selectPrompt` before it is answered (`unknownCursor`).
 */
export function promptPageSql(page: PromptPageQuery): string {
  const direction = page.order === 'asc' ? 'ASC' : 'DESC';
  const after = page.after
    ? ` AND (p.created_at, p.id) ${page.order === 'asc' ? '>' : '<'}
          (SELECT created_at, id FROM prompts WHERE id = ? AND owner = ?)`
    : '';
  return `SELECT ${AT_VERSION_COLUMNS} FROM prompts p
          JOIN prompt_versions v ON v.prompt_id = p.id AND v.version = p.latest_version
          WHERE p.owner = ?${after} ORDER BY p.created_at ${direction}, p.id ${direction} LIMIT ?`;
}

/**
 * A page of one prompt's versions, each row with its prompt's columns. Parameters: the id and
 * the owner, then (with `after`) the version, then the limit.
 */
export function versionPageSql(page: PromptPageQuery): string {
  const direction = page.order === 'asc' ? 'ASC' : 'DESC';
  const after = page.after ? ` AND v.version ${page.order === 'asc' ? '>' : '<'} ?` : '';
  return `SELECT ${AT_VERSION_COLUMNS} FROM prompts p JOIN prompt_versions v ON v.prompt_id = p.id
          WHERE p.id = ? AND p.owner = ?${after} ORDER BY v.version ${direction} LIMIT ?`;
}

/** A versions page's `after`, as a number: not one, a 400 naming it. */
export function versionCursor(page: PromptPageQuery): number[] {
  return page.after === undefined ? [] : [parsePromptVersion(page.after, 'after')];
}

export function unknownCursor(what: 'prompt' | 'version', after: string): ApiError {
  return badRequest('after', `No ${what} '${clip(after)}' to page after.`);
}

export interface PromptRow {
  id: string;
  name: string | null;
  description: string | null;
  metadata: string;
  created_at: number | string;
  latest_version: number | string;
}

export interface PromptVersionRow extends PromptRow {
  version: number | string;
  template: string;
  version_created_at: number | string;
}

export function toPrompt(row: PromptRow): PromptRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    createdAt: Number(row.created_at),
    latestVersion: Number(row.latest_version),
  };
}

export function toVersion(row: PromptVersionRow): PromptVersionRecord {
  return {
    promptId: row.id,
    version: Number(row.version),
    template: JSON.parse(row.template) as PromptTemplate,
    createdAt: Number(row.version_created_at),
  };
}

export function toPromptAtVersion(row: PromptVersionRow): PromptAtVersion {
  return { prompt: toPrompt(row), version: toVersion(row) };
}

/**
 * A page of versions from its rows; `first` is the first row, or the prompt's own row when the
 * page is empty (undefined: no such prompt). A cursor past the latest version is unknown.
 */
export function toVersionPage(
  first: PromptRow | undefined,
  rows: readonly PromptVersionRow[],
  page: PromptPageQuery,
): (PromptPage<PromptVersionRecord> & { prompt: PromptRecord }) | undefined {
  if (!first) return undefined;
  const prompt = toPrompt(first);
  if (page.after !== undefined && Number(page.after) > prompt.latestVersion)
    throw unknownCursor('version', page.after);
  return { prompt, ...toPromptPage(rows.map(toVersion), page.limit) };
}

/** The page of `limit` from `limit + 1` rows. */
export function toPromptPage<T>(rows: readonly T[], limit: number): { data: T[]; has_more: boolean } {
  return { data: rows.slice(0, limit), has_more: rows.length > limit };
}

export function promptValues(prompt: Omit<PromptRecord, 'latestVersion'>, owner: string): unknown[] {
  return [
    prompt.id,
    owner,
    prompt.name,
    prompt.description,
    JSON.stringify(prompt.metadata),
    prompt.createdAt,
  ];
}

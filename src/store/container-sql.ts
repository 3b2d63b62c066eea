import { badRequest, type ApiError } from '../api/errors.ts';
import type { ContainerFileObject, ContainerObject, ContainerPageQuery } from './container-store.ts';

/**
 * The container store's SQL, written once with `?` parameters for both backends (PostgreSQL
 * numbers them: `postgresParams`). Integers come back as numbers from SQLite and as strings
 * from PostgreSQL's BIGINT: the row mappers take either.
 */
export const CONTAINER_SQL = {
  insert: `INSERT INTO containers (id, owner, name, created_at, last_active_at, expires_minutes, memory_limit, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  select: `SELECT * FROM containers WHERE id = ? AND owner = ?`,
  touch: `UPDATE containers SET last_active_at = ? WHERE id = ? AND owner = ? AND status = 'running'`,
  expire: `UPDATE containers SET status = 'expired'
           WHERE status = 'running' AND last_active_at + expires_minutes * 60 < ? RETURNING id`,
  dropExpiredFiles: `DELETE FROM container_files WHERE container_id IN (SELECT id FROM containers WHERE status = 'expired')`,
  delete: `DELETE FROM containers WHERE id = ? AND owner = ?`,
  upsertFile: `INSERT INTO container_files (id, container_id, owner, path, bytes, created_at, source, content)
               SELECT ?, id, owner, ?, ?, ?, ?, ? FROM containers WHERE id = ? AND owner = ? AND status = 'running'
               ON CONFLICT (container_id, path) DO UPDATE SET id = excluded.id, bytes = excluded.bytes,
                 created_at = excluded.created_at, source = excluded.source, content = excluded.content`,
  selectFile: `SELECT id, container_id, path, bytes, created_at, source FROM container_files
               WHERE container_id = ? AND id = ? AND owner = ?`,
  fileContent: `SELECT content FROM container_files WHERE container_id = ? AND id = ? AND owner = ?`,
  deleteFile: `DELETE FROM container_files WHERE container_id = ? AND id = ? AND owner = ?`,
  allFiles: `SELECT id, container_id, path, bytes, created_at, source FROM container_files
             WHERE container_id = ? AND owner = ? ORDER BY created_at, id`,
};

/**
 * A page of containers (or of one container's files), `limit + 1` rows to tell `has_more`. Its
 * parameters: the scope's, then (with `after`) the cursor's id and the scope's again; then the
 * limit. `cursor` finds the cursor's row (its id, then the scope's parameters): another owner's
 * is unknown, a 400 (`unknownCursor`).
 */
export function pageSql(
  table: 'containers' | 'container_files',
  page: ContainerPageQuery,
): { text: string; cursor: string } {
  const columns = table === 'containers' ? '*' : 'id, container_id, path, bytes, created_at, source';
  const scope = table === 'containers' ? 'owner = ?' : 'container_id = ? AND owner = ?';
  const direction = page.order === 'asc' ? 'ASC' : 'DESC';
  const after = page.after
    ? ` AND (created_at, id) ${page.order === 'asc' ? '>' : '<'} (SELECT created_at, id FROM ${table} WHERE id = ? AND ${scope})`
    : '';
  return {
    text: `SELECT ${columns} FROM ${table} WHERE ${scope}${after} ORDER BY created_at ${direction}, id ${direction} LIMIT ?`,
    cursor: `SELECT 1 FROM ${table} WHERE id = ? AND ${scope}`,
  };
}

export function unknownCursor(table: 'containers' | 'container_files', id: string): ApiError {
  const what = table === 'containers' ? 'container' : 'container file';
  return badRequest('after', `No ${what} with id '${id.slice(0, 100)}'.`);
}

/** `?` parameters as PostgreSQL's `$1, $2, ...`. */
export function postgresParams(text: string): string {
  let index = 0;
  return text.replace(/\?/g, () => `$${++index}`);
}

export interface ContainerRow {
  id: string;
  name: string;
  created_at: number | string;
  last_active_at: number | string;
  expires_minutes: number | string;
  memory_limit: string;
  status: string;
}

export interface ContainerFileRow {
  id: string;
  container_id: string;
  path: string;
  bytes: number | string;
  created_at: number | string;
  source: string;
}

export function toContainer(row: ContainerRow): ContainerObject {
  return {
    id: row.id,
    object: 'container',
    name: row.name,
    created_at: Number(row.created_at),
    last_active_at: Number(row.last_active_at),
    status: row.status === 'expired' ? 'expired' : 'running',
    expires_after: { anchor: 'last_active_at', minutes: Number(row.expires_minutes) },
    memory_limit: row.memory_limit,
  };
}

export function toContainerFile(row: ContainerFileRow): ContainerFileObject {
  return {
    id: row.id,
    object: 'container.file',
    container_id: row.container_id,
    path: row.path,
    bytes: Number(row.bytes),
    created_at: Number(row.created_at),
    source: row.source === 'assistant' ? 'assistant' : 'user',
  };
}

export function containerValues(container: ContainerObject, owner: string): unknown[] {
  return [
    container.id,
    owner,
    container.name,
    container.created_at,
    container.last_active_at,
    container.expires_after.minutes,
    container.memory_limit,
    container.status,
  ];
}

export function fileValues(file: ContainerFileObject, content: Buffer, owner: string): unknown[] {
  return [file.id, file.path, file.bytes, file.created_at, file.source, content, file.container_id, owner];
}

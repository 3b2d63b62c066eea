import { badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { FilePurpose } from '../api/files.ts';
import type { FileObject, FilePage, FilePageQuery } from './file-store.ts';

/** The columns of `files` a listing reads (numbers may arrive as strings from PostgreSQL's BIGINT). */
export interface FileRow {
  id: string;
  filename: string;
  purpose: string;
  bytes: number | string;
  created_at: number | string;
  expires_at: number | string | null;
}

export const FILE_COLUMNS = 'id, filename, purpose, bytes, created_at, expires_at';

export function toFileObject(row: FileRow): FileObject {
  return {
    id: row.id,
    object: 'file',
    bytes: Number(row.bytes),
    created_at: Number(row.created_at),
    ...(row.expires_at !== null ? { expires_at: Number(row.expires_at) } : {}),
    filename: row.filename,
    purpose: row.purpose as FilePurpose,
    status: 'processed',
    status_details: null,
  };
}

/** Beyond any `seq`, for a page that starts at the newest end. */
const END = Number.MAX_SAFE_INTEGER;

/** The `seq` a page starts after (asc) or before (desc); `found` is the `after` file's, if it is there. */
export function fileCursor(page: FilePageQuery, found: number | string | undefined): number {
  if (page.after === undefined) return page.order === 'asc' ? 0 : END;
  if (found === undefined) throw badRequest('after', `No file with id '${clip(page.after)}'.`);
  return Number(found);
}

/** A page from up to `limit + 1` rows (the extra one says there is more). */
export function toFilePage(rows: readonly FileRow[], limit: number): FilePage {
  const data = rows.slice(0, limit).map(toFileObject);
  return {
    object: 'list',
    data,
    has_more: rows.length > limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

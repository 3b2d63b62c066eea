import { ApiError } from '../api/errors.ts';

/**
 * One schema step of a component (`responses`, `gateway`, ...). Versions start at 1 and rise by
 * one; a shipped step is never edited. Each backend keeps its own list per component, and
 * records the version each component reached in its `schema_migrations` table.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** The version a component's migrations reach. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Tables written by a newer Portico: refused, and left as they are. */
export function newerVersion(where: string, component: string, found: number, latest: number): ApiError {
  return new ApiError({
    status: 500,
    type: 'server_error',
    code: 'store_version_unsupported',
    retryable: false,
    message:
      `The database ${where} has ${component} schema version ${found}, but this Portico knows versions up to ` +
      `${latest}: it was written by a newer Portico. Upgrade Portico or use another database.`,
  });
}

import { resolve } from 'node:path';
import type { Logger } from '../logger.ts';
import { openSqliteStores } from './sqlite-stores.ts';
import type { Stores } from './stores.ts';

export interface OpenStoresOptions {
  env: NodeJS.ProcessEnv;
  /** The SQLite data folder when no database URL is set; default `PORTICO_DATA_DIR` or `./.portico`. */
  dataDir?: string;
  clock: () => number;
  logger: Logger;
}

/**
 * The backend the environment asks for: PostgreSQL when `PORTICO_DATABASE_URL` is set
 * (`postgres://...`; `PORTICO_DATABASE_SCHEMA` names a schema to keep the tables in), else one
 * SQLite file in the data folder, the embedded default. The PostgreSQL driver is imported only
 * when it is asked for, so the embedded default starts without it.
 */
export async function openStores(options: OpenStoresOptions): Promise<Stores> {
  const url = options.env.PORTICO_DATABASE_URL?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new Error('PORTICO_DATABASE_URL must be a postgres:// or postgresql:// URL.');
    const schema = options.env.PORTICO_DATABASE_SCHEMA?.trim();
    const { openPostgresStores } = await import('./postgres-stores.ts');
    return openPostgresStores({
      url,
      clock: options.clock,
      logger: options.logger,
      ...(schema ? { schema } : {}),
    });
  }
  const dataDir = resolve(options.dataDir ?? options.env.PORTICO_DATA_DIR ?? '.portico');
  return openSqliteStores({ dataDir, clock: options.clock });
}

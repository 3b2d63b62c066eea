import pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { ApiError } from '../api/errors.ts';
import type { Logger } from '../logger.ts';
import { storeUnavailable } from './store-unavailable.ts';

export interface PostgresOptions {
  /** `postgres://user@host:5432/database`, as libpq reads it. */
  url: string;
  /** A schema to keep Portico's tables in (created when missing); default the connection's search_path. */
  schema?: string;
  /** Connections in the pool; default 10. */
  maxConnections?: number;
  logger: Logger;
}

/** One query: its SQL, its values, and a name so the server prepares it once per connection. */
export interface Query {
  name: string;
  text: string;
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A pool of connections to one PostgreSQL database; every store of the backend shares it.
 * Failures of the database itself (refused, restarted, timed out) become a retryable 503
 * `store_unavailable`: an outage is not a bug of Portico's, and nothing was acknowledged.
 */
export class PostgresDatabase {
  readonly pool: Pool;

  private constructor(pool: Pool) {
    this.pool = pool;
  }

  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(
        `The PostgreSQL schema name '${schema}' must be lower-case letters, digits and underscores.`,
      );
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection the server closed (a restart, a failover) must not crash the process.
    pool.on('error', (error) => options.logger.warn('postgres connection lost', { error: error.message }));
    try {
      if (schema !== undefined) await createSchema(pool, schema);
      else await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new PostgresDatabase(pool);
  }

  async query<R extends QueryResultRow>(query: Query, values: unknown[], client?: PoolClient): Promise<R[]> {
    try {
      const result = await (client ?? this.pool).query<R>({ ...query, values });
      return result.rows;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Runs a statement and returns how many rows it changed. */
  async execute(query: Query, values: unknown[], client?: PoolClient): Promise<number> {
    try {
      return (await (client ?? this.pool).query({ ...query, values })).rowCount ?? 0;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>, readOnly = false): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError(error);
    }
    let broken = false;
    // A connection lost while lent out reports it here, not to the pool: unheard, it would crash the process.
    const lost = () => (broken = true);
    client.on('error', lost);
    try {
      await client.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw storeError(error);
    } finally {
      // A connection that could not roll back is dropped, never lent again.
      client.off('error', lost);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** SQLSTATE classes of a database that is unreachable or going away: 08 connection, 57 operator intervention, 53 resources. */
const UNAVAILABLE_STATES = /^(08|57|53)/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // Node's own, when pg writes to a socket the cut has already closed.
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);
/** What pg says, without a code, about a connection that died or never came (its client.js and pg-pool). */
const LOST_CONNECTION =
  /Connection terminated|timeout exceeded when trying to connect|timeout expired|Query read timeout|is not queryable/i;

function storeError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  const unavailable =
    (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || NETWORK_CODES.has(code))) ||
    LOST_CONNECTION.test(message);
  return unavailable ? storeUnavailable('The database') : error;
}

/** What PostgreSQL raises when another session made the same schema at the same moment. */
const SCHEMA_RACE = new Set(['23505', '42P06']);

/**
 * `CREATE SCHEMA IF NOT EXISTS`, safe when replicas start together on a new schema: the check
 * and the insert are not atomic, and the one that loses the race fails on the catalog's unique
 * index (23505) or finds the schema there after all (42P06); either way the schema exists.
 */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    if (!SCHEMA_RACE.has((error as { code?: string }).code ?? '')) throw error;
  }
}

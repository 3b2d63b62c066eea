import pg from 'pg';

/** The PostgreSQL these tests need: 127.0.0.1:5432 with trust auth, database `test`, unless told otherwise. */
export const TEST_DATABASE_URL =
  process.env.PORTICO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let counter = 0;

/**
 * A schema of its own for one test (dropped by `drop`), so runs and tests never see each
 * other's tables. Fails with a message that says what to start when PostgreSQL is absent.
 */
export async function freshSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `portico_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await admin(`CREATE SCHEMA ${schema}`);
  return { schema, drop: async () => void (await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)) };
}

/** Runs one statement on its own connection. */
export async function admin(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `These tests need PostgreSQL at ${TEST_DATABASE_URL} (set PORTICO_TEST_DATABASE_URL to use another): ` +
        `${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/**
 * Which PostgreSQL driver the store uses, decided by measurement: the store's own round trips
 * (a transaction inserting a response and its items, a read by primary key) through `pg` and
 * through `postgres`, each with a pool of 8, alternating rounds, printing requests/s and the
 * ratio. Needs PostgreSQL at PORTICO_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 *
 *   node --import tsx bench/postgres-drivers.ts [rounds] [operations]
 */
import pg from 'pg';
import postgres from 'postgres';
import { median } from './support/stats.ts';

const url = process.env.PORTICO_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = Number(process.argv[2] ?? 5);
const operations = Number(process.argv[3] ?? 2000);
const concurrency = 8;
const schema = `bench_drivers_${process.pid}`;
const responseJson = JSON.stringify({ id: 'x', object: 'response', output: [], text: 'y'.repeat(800) });
const itemJson = JSON.stringify({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text: 'z'.repeat(200) }],
});

type Op = (n: number) => Promise<void>;

async function timed(op: Op): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < operations; n = next++) await op(n);
    }),
  );
  return operations / ((performance.now() - started) / 1000);
}

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`CREATE TABLE ${schema}.r (id TEXT PRIMARY KEY, body JSONB NOT NULL)`);
await admin.query(
  `CREATE TABLE ${schema}.i (rid TEXT REFERENCES ${schema}.r ON DELETE CASCADE, pos INT, body JSONB, PRIMARY KEY (rid, pos))`,
);

const pool = new pg.Pool({ connectionString: url, max: concurrency });
const sql = postgres(url, { max: concurrency, onnotice: () => {} });

const viaPg =
  (round: number): Op =>
  async (n) => {
    const id = `pg_${round}_${n}`;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${schema}.r (id, body) VALUES ($1, $2)`, [id, responseJson]);
      await client.query(`INSERT INTO ${schema}.i (rid, pos, body) VALUES ($1, 0, $2), ($1, 1, $2)`, [
        id,
        itemJson,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await pool.query(`SELECT body FROM ${schema}.r WHERE id = $1`, [id]);
  };

const viaPostgres =
  (round: number): Op =>
  async (n) => {
    const id = `js_${round}_${n}`;
    const r = sql(`${schema}.r`);
    const i = sql(`${schema}.i`);
    await sql.begin(async (tx) => {
      await tx`INSERT INTO ${r} (id, body) VALUES (${id}, ${responseJson})`;
      await tx`INSERT INTO ${i} (rid, pos, body) VALUES (${id}, 0, ${itemJson}), (${id}, 1, ${itemJson})`;
    });
    await sql`SELECT body FROM ${r} WHERE id = ${id}`;
  };

const results = { pg: [] as number[], postgres: [] as number[] };
try {
  await timed(viaPg(-1));
  await timed(viaPostgres(-1));
  for (let round = 0; round < rounds; round++) {
    results.pg.push(await timed(viaPg(round)));
    results.postgres.push(await timed(viaPostgres(round)));
  }
} finally {
  await pool.end();
  await sql.end();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
const pgRate = median(results.pg);
const postgresRate = median(results.postgres);
process.stdout.write(
  `store round trips (begin + 2 items + commit, then a read), ${operations} per round, ${rounds} rounds, pool ${concurrency}\n` +
    `pg        ${pgRate.toFixed(0)} ops/s\n` +
    `postgres  ${postgresRate.toFixed(0)} ops/s\n` +
    `postgres / pg = ${(postgresRate / pgRate).toFixed(2)}\n`,
);

import { randomFillSync } from 'node:crypto';

/** Makes ids such as `resp_…`, `msg_…`, `rs_…`, `fc_…`; injected so tests can control them. */
export type IdGenerator = (prefix: string) => string;

/** Random bytes per id, after the 6 bytes of time: 144 bits, so an id cannot be guessed. */
const RANDOM_BYTES = 18;
/** Random bytes drawn 170 ids at a time: one call into the CSPRNG instead of one per id (0.3 µs an id here, not 5). */
const pool = Buffer.alloc(RANDOM_BYTES * 170);
let offset = pool.length;

/**
 * 48 hex digits: the time in milliseconds (12 digits), then random ones. Ids that grow with
 * time keep every index keyed by them (responses, their items, logs) growing at its end:
 * the rows of one commit share a few pages instead of each dirtying a page of its own at a
 * random place, which SQLite then writes whole to its log (and PostgreSQL to its WAL).
 */
export const randomId: IdGenerator = (prefix) => {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.toString('hex', offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  return `${prefix}_${Date.now().toString(16).padStart(12, '0')}${random}`;
};

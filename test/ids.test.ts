import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomId } from '../src/engine/ids.ts';

test('ids are the prefix and 48 hex digits, all different, and grow with time', async () => {
  const first = Array.from({ length: 500 }, () => randomId('resp'));
  for (const id of first) assert.match(id, /^resp_[0-9a-f]{48}$/);
  assert.equal(new Set(first).size, first.length);
  await sleep(3);
  const later = randomId('resp');
  // An index keyed by ids grows at its end: a later id sorts after every earlier one.
  for (const id of first) assert.ok(id < later, `${id} sorts before ${later}`);
  // The time is the first 12 digits; the rest are random.
  assert.ok(Math.abs(parseInt(later.slice(5, 17), 16) - Date.now()) < 1000);
});

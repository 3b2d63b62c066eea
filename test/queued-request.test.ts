import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readQueuedRequest } from '../src/background/queued-request.ts';

const body = { model: 'local/stories260K', input: 'hi', background: true };

test('a queued run keeps who queued it', () => {
  const caller = { keyId: 'key_1', admin: false, authenticated: true };
  const queued = readQueuedRequest({ body, gateway: 'team', caller });
  assert.deepEqual(queued.caller, caller);
  assert.equal(queued.gateway, 'team');
  assert.equal(queued.request.model, 'local/stories260K');
});

test('a run queued before callers were recorded still runs, as its server admitted it', () => {
  const queued = readQueuedRequest({ body, gateway: null });
  assert.deepEqual(queued.caller, { keyId: null, admin: true, authenticated: true });
  assert.equal(queued.gateway, undefined);
});

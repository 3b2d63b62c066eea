import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import { PrimaryConversationLocks } from '../src/workers/primary-conversation-locks.ts';
import { PrimaryLink, type WorkerPort } from '../src/workers/primary-link.ts';
import type { ToPrimary } from '../src/workers/worker-messages.ts';

/**
 * A worker's `process` whose primary died: every send fails with EPIPE, as node's does, to
 * the callback when there is one, else as an 'error' on the process (unheard, it ends the worker).
 */
class DeadPrimaryPort extends EventEmitter implements WorkerPort {
  readonly errors: Error[] = [];

  constructor() {
    super();
    this.on('error', (error: Error) => this.errors.push(error));
  }

  send(_message: ToPrimary, callback?: (error: Error | null) => void): boolean {
    const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    process.nextTick(() => (callback ? callback(error) : this.emit('error', error)));
    return false;
  }
}

test('a worker whose primary is gone fails the request asking it for a conversation lock with a 503, and sends on without an error', async () => {
  const port = new DeadPrimaryPort();
  const locks = new PrimaryConversationLocks(new PrimaryLink(port));
  const refused = await locks.acquire('conv_1').then(
    () => assert.fail('a lock was granted by a primary that is gone'),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ApiError);
  assert.equal(refused.status, 503);
  assert.equal(refused.code, 'server_shutting_down');
  assert.deepEqual(refused.toJSON().error.type, 'server_error');
  // What wants no answer (an unlock, an abort, a metrics report) is dropped.
  new PrimaryLink(port).send({ kind: 'unlock', id: 1 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(port.errors, [], 'no send failed as an error on the process');
});

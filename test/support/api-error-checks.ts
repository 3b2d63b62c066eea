import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.ts';
import type { ModelEvent } from '../../src/providers/provider.ts';

/** The ApiError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** The ApiError of a generation that ended in an error finish; fails the test if it ended otherwise. */
export function finishError(events: readonly ModelEvent[]): ApiError {
  const last = events.at(-1);
  assert.equal(last?.type, 'finish');
  assert.equal(last.reason, 'error');
  assert.ok(last.error instanceof ApiError);
  return last.error;
}

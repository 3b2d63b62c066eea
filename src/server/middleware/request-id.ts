import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { requestHeader } from '../request-header.ts';
import { setAnswerHeader } from '../send-answer.ts';

/** A client's own id is kept when it is short and plain, so traces join up across services. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `req_` and 24 hex digits (90 random bits) of a v4 UUID: Node draws UUIDs from a cached pool
 * of random bytes, ten times cheaper per request than a randomBytes call.
 */
function newRequestId(): string {
  const uuid = randomUUID();
  return `req_${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(14, 18)}${uuid.slice(19, 23)}${uuid.slice(24, 28)}`;
}

/** Every answer carries `x-request-id`, and error logs name it. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const given = requestHeader(c, 'x-request-id');
  const id = given && CLIENT_ID.test(given) ? given : newRequestId();
  c.set('requestId', id);
  setAnswerHeader(c, 'x-request-id', id);
  await next();
};

import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/** A client's own id is kept when it is short and plain, so traces join up across services. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every answer carries `x-request-id`, and error logs name it. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const given = c.req.header('x-request-id');
  const id = given && CLIENT_ID.test(given) ? given : `req_${randomBytes(12).toString('hex')}`;
  c.set('requestId', id);
  c.header('x-request-id', id);
  await next();
};

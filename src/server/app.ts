import { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import { ApiError, notFound, serverError, SERVER_ERROR } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { Logger } from '../logger.ts';
import type { Runtime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import type { AppEnv } from './app-env.ts';
import { chatCompletionsRoutes } from './routes/chat-completions.ts';
import { modelsRoutes } from './routes/models.ts';
import { responsesRoutes } from './routes/responses.ts';

/** The HTTP app: OpenAI-compatible routes under /v1; every error leaves in the OpenAI shape. */
export function createApp(runtime: Runtime, logger: Logger): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const requestId = `req_${randomBytes(12).toString('hex')}`;
    c.set('requestId', requestId);
    c.set('owner', DEFAULT_PROJECT);
    c.header('x-request-id', requestId);
    await next();
  });
  app.route('/v1', responsesRoutes(runtime));
  app.route('/v1', chatCompletionsRoutes(runtime));
  app.route('/v1', modelsRoutes(runtime));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.notFound((c) => {
    const error = notFound(
      `Unknown route: ${clip(c.req.method)} ${clip(new URL(c.req.url).pathname)}`,
      'unknown_route',
    );
    return c.json(error.toJSON(), 404);
  });
  app.onError((thrown, c) => {
    const requestId = c.get('requestId');
    // Only Portico's own bugs are 500s: logged in full, answered with the id to quote.
    const error = thrown instanceof ApiError ? thrown : serverError(`${SERVER_ERROR} (request ${requestId})`);
    if (!(thrown instanceof ApiError))
      logger.error('unhandled error', { requestId, error: String(thrown), stack: thrown.stack });
    else if (error.status >= 500)
      logger.warn('request failed', { requestId, status: error.status, code: error.code });
    c.header('x-request-id', requestId);
    if (error.retryAfter !== undefined) c.header('retry-after', String(error.retryAfter));
    return c.json(error.toJSON(), error.status as 400);
  });
  return app;
}

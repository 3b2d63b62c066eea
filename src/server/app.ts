import { Hono } from 'hono';
import { ApiError, notFound, toApiError } from '../api/errors.ts';
import type { Logger } from '../logger.ts';
import type { Runtime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import type { AppEnv } from './app-env.ts';
import { chatCompletionsRoutes } from './routes/chat-completions.ts';
import { conversationsRoutes } from './routes/conversations.ts';
import { modelsRoutes } from './routes/models.ts';
import { responsesRoutes } from './routes/responses.ts';

/** The HTTP app: OpenAI-compatible routes under /v1; every error leaves in the OpenAI shape. */
export function createApp(runtime: Runtime, logger: Logger): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('owner', DEFAULT_PROJECT);
    await next();
  });
  app.route('/v1', responsesRoutes(runtime));
  app.route('/v1', conversationsRoutes(runtime));
  app.route('/v1', chatCompletionsRoutes(runtime));
  app.route('/v1', modelsRoutes(runtime));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.notFound((c) => {
    const error = notFound(`Unknown route: ${c.req.method} ${new URL(c.req.url).pathname}`, 'unknown_route');
    return c.json(error.toJSON(), 404);
  });
  app.onError((thrown, c) => {
    const error = toApiError(thrown);
    if (!(thrown instanceof ApiError))
      logger.error('unhandled error', { error: String(thrown), stack: thrown.stack });
    if (error.retryAfter !== undefined) c.header('retry-after', String(error.retryAfter));
    return c.json(error.toJSON(), error.status as 400);
  });
  return app;
}

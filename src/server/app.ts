import { Hono } from 'hono';
import { errorBody } from './error-body.ts';
import { setErrorHeaders } from './error-headers.ts';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { ApiError, notFound, serverError, SERVER_ERROR } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { Logger } from '../logger.ts';
import type { Runtime } from '../runtime.ts';
import type { AppEnv } from './app-env.ts';
import { admitGateway } from './middleware/admit-gateway.ts';
import { authenticateRequest } from './middleware/authenticate-request.ts';
import { corsPolicy } from './middleware/cors-policy.ts';
import { countWork } from './middleware/count-work.ts';
import { requestId } from './middleware/request-id.ts';
import { setAnswerHeader } from './send-answer.ts';
import { adminRoutes } from './routes/admin.ts';
import { providerConfigRoutes } from './routes/provider-configs.ts';
import { messagesRoutes } from './routes/anthropic-messages.ts';
import { aiGatewayRoutes } from './routes/ai-gateway.ts';
import { chatCompletionsRoutes } from './routes/chat-completions.ts';
import { containersRoutes } from './routes/containers.ts';
import { conversationsRoutes } from './routes/conversations.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { embeddingsRoutes } from './routes/embeddings.ts';
import { filesRoutes } from './routes/files.ts';
import { promptsRoutes } from './routes/prompts.ts';
import { vectorStoresRoutes } from './routes/vector-stores.ts';
import { logsRoutes } from './routes/logs.ts';
import { metricsRoute } from './routes/metrics.ts';
import { modelsRoutes } from './routes/models.ts';
import { responsesRoutes } from './routes/responses.ts';
import { workersAiRoutes } from './routes/workers-ai.ts';

const AI_GATEWAY_PATH = '/v1/:account/:gateway';
const UNIVERSAL_PATH = AI_GATEWAY_PATH;

export interface AppOptions {
  /** How long a Responses WebSocket connection may stay open; default 60 minutes, as OpenAI's. */
  socketLifetimeMs?: number;
}

/**
 * The OpenAI-compatible API under /v1, and Anthropic's Messages API beside it, with the gateway
 * named by `cf-aig-gateway-id` (or the key's, or `default`).
 */
function openAiRoutes(runtime: Runtime, options: AppOptions): Hono<AppEnv> {
  const v1 = new Hono<AppEnv>();
  v1.use(admitGateway(runtime.gateway));
  v1.route('/', responsesRoutes(runtime, options));
  v1.route('/', conversationsRoutes(runtime));
  v1.route('/', chatCompletionsRoutes(runtime));
  v1.route('/', messagesRoutes(runtime));
  v1.route('/', filesRoutes(runtime));
  v1.route('/', promptsRoutes(runtime));
  v1.route('/', containersRoutes(runtime));
  v1.route('/', vectorStoresRoutes(runtime));
  v1.route('/', embeddingsRoutes(runtime));
  v1.route('/', modelsRoutes(runtime));
  v1.route('/', logsRoutes(runtime));
  v1.route('/', adminRoutes(runtime));
  v1.route('/', providerConfigRoutes(runtime));
  return v1;
}

/**
 * The HTTP app. Every answer carries `x-request-id`; every error leaves in the OpenAI shape
 * (on Cloudflare's REST paths, in its envelope; on the Messages API's, in Anthropic's: errorBody); a known path asked with the
 * wrong method is a 405 naming the methods it takes. Served by @hono/node-server: routes read
 * request bodies from node's request (`c.env.incoming`) rather than through a WHATWG Request.
 */
export function createApp(runtime: Runtime, logger: Logger, options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId);
  app.use(countWork(runtime.work));
  app.use(
    methodNotAllowed({
      // The universal endpoint's pattern (`POST /v1/:account/:gateway`) matches any two-segment
      // path; it never decides which methods a path takes.
      app: {
        get routes() {
          return app.routes.filter((route) => route.path !== UNIVERSAL_PATH);
        },
      } as Hono<AppEnv>,
      onMethodNotAllowed: (c, methods) => {
        const error = new ApiError({
          status: 405,
          type: 'invalid_request_error',
          code: 'method_not_allowed',
          message: `${clip(c.req.method)} is not allowed on ${clip(c.req.path)}: use ${methods.join(', ')}.`,
        });
        return c.json(errorBody(c.req.path, error), 405, { allow: methods.join(', ') });
      },
    }),
  );
  app.use(corsPolicy(runtime.corsOrigins));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.route('/', dashboardRoutes());
  app.use(authenticateRequest(runtime.gateway));
  app.route('/', metricsRoute(runtime));

  const v1 = openAiRoutes(runtime, options);
  const openAiResources = new Set(v1.routes.map((route) => route.path.split('/')[1] ?? ''));
  // AI Gateway's own URL shapes carry their gateway in the path: they come first, so that
  // the /v1 routes' header-based admission never runs for them.
  app.route(AI_GATEWAY_PATH, aiGatewayRoutes(runtime, openAiResources, options));
  app.route('/v1', v1);
  app.route('/client/v4/accounts/:account', workersAiRoutes(runtime));

  app.notFound((c) => {
    const error = notFound(`Unknown route: ${clip(c.req.method)} ${clip(c.req.path)}`, 'unknown_route');
    return c.json(errorBody(c.req.path, error), 404);
  });
  app.onError((thrown, c) => {
    const requestId = c.get('requestId');
    // Only Portico's own bugs are 500s: logged in full, answered with the id to quote.
    const error = thrown instanceof ApiError ? thrown : serverError(`${SERVER_ERROR} (request ${requestId})`);
    if (!(thrown instanceof ApiError))
      logger.error('unhandled error', { requestId, error: String(thrown), stack: thrown.stack });
    else if (error.status >= 500)
      logger.warn('request failed', {
        requestId,
        status: error.status,
        code: error.code,
        message: error.message,
      });
    if (requestId) setAnswerHeader(c, 'x-request-id', requestId);
    setErrorHeaders(c, thrown, error);
    return c.json(errorBody(c.req.path, error), error.status as 400);
  });
  return app;
}

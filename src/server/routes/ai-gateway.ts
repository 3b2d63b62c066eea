import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import type { AppOptions } from '../app.ts';
import { httpCall } from '../http-call.ts';
import { admitGateway, admitInto } from '../middleware/admit-gateway.ts';
import { readJson } from '../read-json.ts';
import { renderAnswer } from '../render-answer.ts';
import { runUniversal } from '../run-universal.ts';
import { providerModel } from '../../catalog/provider-model.ts';
import { universalSteps } from '../../formats/universal-steps.ts';
import { countTokensHandler, messagesHandler } from './anthropic-messages.ts';
import { chatCompletionHandler } from './chat-completions.ts';
import { embeddingsHandler } from './embeddings.ts';
import { createResponseHandler } from './responses.ts';
import { runApi } from './run-api.ts';
import { universalSocketRoute } from './universal-socket-route.ts';
import { workersAiRun } from './workers-ai-run.ts';

/**
 * Cloudflare AI Gateway's own URL shapes, mounted at `/v1/:account/:gateway`, so that code
 * written for it changes only its host: provider paths (`/openai/responses`,
 * `/groq/chat/completions`, `/openai/embeddings`, `/anthropic/v1/messages`, `/workers-ai/@cf/...`), the OpenAI-compatible
 * `/compat/chat/completions`, the Run API (`/run`), and the universal endpoint (`POST /v1/:account/:gateway` with a
 * list of steps tried in order; opened as a WebSocket, the WebSockets API). The gateway is the
 * one in the path.
 */
export function aiGatewayRoutes(
  runtime: Runtime,
  openAiResources: ReadonlySet<string>,
  options: AppOptions = {},
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const admit: MiddlewareHandler<AppEnv> = admitGateway(runtime.gateway, (c) => c.req.param('gateway'));
  const named = (c: Context<AppEnv>) => providerModel(runtime.catalog, c.req.param('provider') ?? '');

  const runs = runApi(runtime);
  app.post('/run', admit, runs.create);
  app.get('/run/:run_id', admit, runs.poll);
  app.post('/compat/chat/completions', admit, chatCompletionHandler(runtime));
  app.post('/workers-ai/v1/chat/completions', admit, chatCompletionHandler(runtime));
  app.post('/workers-ai/v1/responses', admit, createResponseHandler(runtime));
  const run = workersAiRun(runtime);
  app.post('/workers-ai/:model{.+}', admit, async (c) => {
    const body = await readJson(c.env);
    return run(c, c.req.param('model'), body.value, body.size);
  });
  // Anthropic's path: its model names (`claude-...`) are the catalog's `anthropic/claude-...`.
  const anthropic = () => providerModel(runtime.catalog, 'anthropic');
  app.post('/anthropic/v1/messages', admit, (c) => messagesHandler(runtime, anthropic())(c));
  app.post('/anthropic/v1/messages/count_tokens', admit, (c) => countTokensHandler(runtime, anthropic())(c));
  app.post('/:provider/chat/completions', admit, (c) => chatCompletionHandler(runtime, named(c))(c));
  app.post('/:provider/responses', admit, (c) => createResponseHandler(runtime, named(c))(c));
  app.post('/:provider/embeddings', admit, (c) => embeddingsHandler(runtime, named(c))(c));

  // The universal endpoint's path (`/v1/{a}/{b}`) is also the shape of `/v1/chat/completions`:
  // those belong to the OpenAI routes, which come next.
  app.post('/', async (c, next) => {
    if (openAiResources.has(c.req.param('account') ?? '')) return next();
    await admitInto(c, runtime.gateway, c.req.param('gateway'));
    const body = await readJson(c.env);
    const warnings: string[] = [];
    const parsed = universalSteps(body.value, runtime.catalog, warnings);
    const { call, abort } = httpCall(c, parsed, body, { modelFallbacks: false });
    call.warnings.push(...warnings);
    const { answer, step } = await runUniversal(runtime.gateway, call, parsed);
    return renderAnswer(c, step, call, answer, abort);
  });
  // The same path opened as a WebSocket: the WebSockets API, one universal request a message.
  const socket = universalSocketRoute(runtime, options.socketLifetimeMs);
  app.get('/', async (c, next) => {
    if (openAiResources.has(c.req.param('account') ?? '')) return next();
    await admitInto(c, runtime.gateway, c.req.param('gateway'));
    return socket(c);
  });
  return app;
}

import { Hono } from 'hono';
import { pagedEnvelope } from '../../formats/workers-ai/cloudflare-page.ts';
import { z } from 'zod';
import { badRequest } from '../../api/errors.ts';
import { parseBody } from '../../api/request.ts';
import { envelope } from '../../api/workers-ai-envelope.ts';
import type { Runtime } from '../../runtime.ts';
import { textGenerationSchemas } from '../../formats/workers-ai/model-schemas.ts';
import { ModelSearchQuery, searchModels } from '../../formats/workers-ai/model-search.ts';
import type { AppEnv } from '../app-env.ts';
import { admitGateway } from '../middleware/admit-gateway.ts';
import { readJson } from '../read-json.ts';
import { countTokensHandler, messagesHandler } from './anthropic-messages.ts';
import { chatCompletionHandler } from './chat-completions.ts';
import { cloudflareDynamicRoutes } from './cloudflare-dynamic-routes.ts';
import { cloudflareGatewayRoutes } from './cloudflare-gateways.ts';
import { workersAiRun } from './workers-ai-run.ts';
import { embeddingsHandler } from './embeddings.ts';
import { cloudflareLogRoutes } from './cloudflare-logs.ts';
import { cloudflareProviderConfigRoutes } from './cloudflare-provider-configs.ts';
import { createResponseHandler } from './responses.ts';

/**
 * Cloudflare's REST surfaces under `/client/v4/accounts/:account`: Workers AI's `ai/run`,
 * its OpenAI- and Anthropic-compatible `ai/v1/*`, the model search and schema, and AI Gateway's
 * gateway, route and log APIs.
 * The account id is accepted as given: Portico has one account, the server itself.
 */
export function workersAiRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(admitGateway(runtime.gateway));

  const run = workersAiRun(runtime);

  app.post('/ai/run/:model{.+}', async (c) => {
    const body = await readJson(c.env);
    return run(c, c.req.param('model') ?? '', body.value, body.size);
  });
  app.post('/ai/run', async (c) => {
    const body = await readJson(c.env);
    const { model, input } = parseBody(
      z.strictObject({ model: z.string().min(1), input: z.unknown() }),
      body.value,
    );
    return run(c, model, input ?? {}, body.size);
  });
  app.post('/ai/v1/responses', createResponseHandler(runtime));
  app.post('/ai/v1/chat/completions', chatCompletionHandler(runtime));
  app.post('/ai/v1/embeddings', embeddingsHandler(runtime));
  app.post('/ai/v1/messages', messagesHandler(runtime));
  app.post('/ai/v1/messages/count_tokens', countTokensHandler(runtime));

  app.get('/ai/models/search', async (c) => {
    const query = parseBody(ModelSearchQuery, c.req.query());
    const { results, total } = searchModels(runtime.catalog.list(), query);
    return c.json(pagedEnvelope(results, query, total));
  });
  app.get('/ai/models/schema', async (c) => {
    const model = c.req.query('model');
    if (!model)
      throw badRequest('model', 'Missing required query parameter: model.', 'missing_required_parameter');
    // The schema is every text model's, so a model whose provider is not configured has it too.
    runtime.catalog.known(model);
    return c.json(envelope(textGenerationSchemas()));
  });

  app.route('/ai-gateway/gateways', cloudflareGatewayRoutes(runtime));
  cloudflareDynamicRoutes(app, runtime);
  cloudflareLogRoutes(app, runtime);
  cloudflareProviderConfigRoutes(app, runtime);
  return app;
}

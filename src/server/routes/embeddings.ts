import { Hono, type Context } from 'hono';
import { CreateEmbeddingBody, embeddingInputs, encodeEmbedding } from '../../api/embeddings.ts';
import { parseBody } from '../../api/request.ts';
import { modelStep, type ModelName } from '../../formats/parse-step.ts';
import { embedThroughGateway } from '../../gateway/embed-through-gateway.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import { readJson } from '../read-json.ts';
import { sendJson } from '../send-answer.ts';

/** `POST /v1/embeddings`, for every model that embeds (see retrieval/embedder.ts). */
export function embeddingsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/embeddings', embeddingsHandler(runtime));
  return app;
}

/**
 * OpenAI's embeddings, through the gateway as a response goes. `named` reads a provider
 * path's model (`/openai/embeddings` under AI Gateway's URLs) as the catalog's.
 */
export function embeddingsHandler(
  runtime: Runtime,
  named?: ModelName,
): (c: Context<AppEnv>) => Promise<Response> {
  return async (c) => {
    const body = await readJson(c.env);
    const parsed = parseBody(CreateEmbeddingBody, body.value);
    const model = named ? named(parsed.model) : parsed.model;
    const { call } = httpCall(c, [modelStep(model)], body);
    const request = {
      model,
      input: embeddingInputs(parsed.input),
      ...(parsed.dimensions != null ? { dimensions: parsed.dimensions } : {}),
    };
    const format = parsed.encoding_format ?? 'float';
    const answer = await embedThroughGateway(runtime, call, request, (result) => ({
      object: 'list',
      data: result.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: encodeEmbedding(vector, format),
      })),
      model: parsed.model,
      usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
    }));
    return sendJson(c, answer.value, 200, answer.headers);
  };
}

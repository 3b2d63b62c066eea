import { Hono, type Context } from 'hono';
import { CreateEmbeddingBody, embeddingInputs, encodeEmbedding } from '../../api/embeddings.ts';
import { parseBody } from '../../api/request.ts';
import type { ModelName } from '../../formats/parse-step.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall, modelStep } from '../http-call.ts';
import { readJson } from '../read-json.ts';
import { sendJson } from '../send-answer.ts';

/** `POST /v1/embeddings`, for every model that embeds (see retrieval/embedder.ts). */
export function embeddingsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/embeddings', embeddingsHandler(runtime));
  return app;
}

/**
 * Embeddings through the gateway: the key's model scope, the rate and spend limits, and a log
 * entry with the input tokens and their cost, as a response has. `named` reads a provider
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
    const answer = await runtime.gateway.operate(call, async () => {
      const result = await runtime.embedder.embed(
        {
          model,
          input: embeddingInputs(parsed.input),
          ...(parsed.dimensions != null ? { dimensions: parsed.dimensions } : {}),
        },
        call.signal,
      );
      const format = parsed.encoding_format ?? 'float';
      const tokens = result.inputTokens;
      return {
        value: {
          object: 'list',
          data: result.vectors.map((vector, index) => ({
            object: 'embedding',
            index,
            embedding: encodeEmbedding(vector, format),
          })),
          model: parsed.model,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        },
        usage: {
          input_tokens: tokens,
          input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
          output_tokens: 0,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: tokens,
        },
      };
    });
    return sendJson(c, answer.value, 200, answer.headers);
  };
}

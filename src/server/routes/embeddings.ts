import { Hono } from 'hono';
import { CreateEmbeddingBody, embeddingInputs, encodeEmbedding } from '../../api/embeddings.ts';
import { parseBody } from '../../api/request.ts';
import { assertModelAllowed } from '../../gateway/authorize-model.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

/** `POST /v1/embeddings`, for every model that embeds (see retrieval/embedder.ts). */
export function embeddingsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/embeddings', async (c) => {
    const body = parseBody(CreateEmbeddingBody, (await readJson(c.env)).value);
    assertModelAllowed(c.get('principal'), body.model);
    const input = embeddingInputs(body.input);
    const result = await runtime.embedder.embed(
      { model: body.model, input, ...(body.dimensions != null ? { dimensions: body.dimensions } : {}) },
      c.req.raw.signal,
    );
    const format = body.encoding_format ?? 'float';
    return c.json({
      object: 'list',
      data: result.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: encodeEmbedding(vector, format),
      })),
      model: body.model,
      usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
    });
  });

  return app;
}

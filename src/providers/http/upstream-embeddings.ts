import { z } from 'zod';
import { ApiError } from '../../api/errors.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../provider.ts';
import { cleanUpstreamError } from './clean-upstream-error.ts';
import { streamUpstream } from './stream-upstream.ts';
import type { UpstreamOptions } from './upstream-options.ts';

const EmbeddingsAnswer = z.object({
  data: z.array(z.object({ index: z.int().min(0), embedding: z.array(z.number()) })),
  usage: z
    .object({ prompt_tokens: z.int().min(0) })
    .partial()
    .nullish(),
});

/**
 * `POST {baseUrl}/embeddings` on an OpenAI-compatible upstream, with its timeouts and error
 * mapping; the vectors come back as floats, in input order.
 */
export async function upstreamEmbeddings(
  options: UpstreamOptions,
  request: EmbeddingRequest,
  signal: AbortSignal,
): Promise<EmbeddingResult> {
  const body = await streamUpstream(
    options,
    {
      url: `${options.baseUrl.replace(/\/+$/, '')}/embeddings`,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        ...options.headers,
      },
      body: {
        model: request.model.upstreamModel,
        input: request.input,
        encoding_format: 'float',
        ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
      },
      timeouts: request.model.timeouts,
    },
    signal,
  );
  const chunks: Uint8Array[] = [];
  // Bounded by the upstream pool (LIMITS.upstreamAnswerBytes).
  for await (const chunk of body) chunks.push(chunk);
  let parsed: z.output<typeof EmbeddingsAnswer>;
  try {
    parsed = EmbeddingsAnswer.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  } catch {
    throw malformed(options, 'the answer is not an embeddings list');
  }
  const vectors: number[][] = [];
  for (const entry of parsed.data) vectors[entry.index] = entry.embedding;
  if (vectors.length !== request.input.length || vectors.some((vector) => vector === undefined))
    throw malformed(options, 'the answer has not one embedding per input');
  return { vectors, inputTokens: parsed.usage?.prompt_tokens ?? 0 };
}

function malformed(options: UpstreamOptions, why: string): ApiError {
  return cleanUpstreamError(
    new ApiError({
      status: 502,
      type: 'upstream_error',
      code: 'upstream_malformed',
      message: `The upstream '${options.id}' answered /embeddings wrongly: ${why}.`,
    }),
    options,
  );
}

import { z } from 'zod';

/** Inputs one request may embed, as OpenAI allows. */
export const MAX_EMBEDDING_INPUTS = 2048;

const Text = z.string().min(1, 'an input must not be empty');
const Tokens = z.array(z.int().min(0)).min(1, 'an input must not be empty').max(1_000_000);

/** `POST /v1/embeddings`. */
export const CreateEmbeddingBody = z.strictObject({
  model: z.string({ error: 'model must be a string naming a model' }).min(1, 'model is required'),
  input: z.union(
    [
      Text,
      z.array(Text).min(1).max(MAX_EMBEDDING_INPUTS),
      Tokens,
      z.array(Tokens).min(1).max(MAX_EMBEDDING_INPUTS),
    ],
    { error: 'input must be a string, a list of strings, a list of token ids, or a list of those' },
  ),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.int().min(1).max(65_536).nullish(),
  user: z.string().nullish(),
});
export type CreateEmbeddingBody = z.output<typeof CreateEmbeddingBody>;

/** The inputs as a list, whichever of the four shapes the client sent. */
export function embeddingInputs(input: CreateEmbeddingBody['input']): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.every((one) => typeof one === 'number')) return [input as number[]];
  return input as Array<string | number[]>;
}

/** A vector as the client asked for it: numbers, or base64 of little-endian float32s (OpenAI's encoding). */
export function encodeEmbedding(vector: readonly number[], format: 'float' | 'base64'): number[] | string {
  if (format === 'float') return [...vector];
  return Buffer.from(Float32Array.from(vector).buffer).toString('base64');
}

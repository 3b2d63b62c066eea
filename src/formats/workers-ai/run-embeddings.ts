import { z } from 'zod';
import { MAX_EMBEDDING_INPUTS } from '../../api/embeddings.ts';
import { parseBody } from '../../api/request.ts';
import type { EmbeddingResult } from '../../providers/provider.ts';
import type { EmbeddingCall } from '../../gateway/embed-through-gateway.ts';

const Text = z.string().min(1, 'a text must not be empty');

/**
 * Workers AI's input for text embedding models (`ai.run('@cf/baai/bge-base-en-v1.5', {text})`).
 * Pooling is the model's own, so a `pooling` asked for is refused rather than ignored.
 */
export const RunEmbeddingInput = z.strictObject({
  text: z.union([Text, z.array(Text).min(1).max(MAX_EMBEDDING_INPUTS)], {
    error: `text must be a string or a list of 1 to ${MAX_EMBEDDING_INPUTS} strings`,
  }),
  truncate_inputs: z.boolean().optional(),
  pooling: z.never({ error: "pooling is the model's own: leave it out" }).optional(),
});
export type RunEmbeddingInput = z.output<typeof RunEmbeddingInput>;

/** Whether `inputs` are Workers AI's text embedding shape (`{text}`), not a generation's. */
export function isRunEmbeddingInput(inputs: Record<string, unknown>): boolean {
  return 'text' in inputs && !('prompt' in inputs || 'messages' in inputs || 'input' in inputs);
}

/** The embedding `inputs` (checked: a 400 names what is wrong) ask of `model`. */
export function runEmbeddingCall(model: string, inputs: unknown): EmbeddingCall {
  const { text, truncate_inputs } = parseBody(RunEmbeddingInput, inputs);
  return {
    model,
    input: typeof text === 'string' ? [text] : text,
    ...(truncate_inputs ? { truncate: true } : {}),
  };
}

/** The vectors as Workers AI answers them: `{shape: [inputs, dimensions], data}`. */
export function runEmbeddingOutput(result: EmbeddingResult): { shape: [number, number]; data: number[][] } {
  return { shape: [result.vectors.length, result.vectors[0]?.length ?? 0], data: result.vectors };
}

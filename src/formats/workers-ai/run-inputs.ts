import type { EmbeddingCall } from '../../gateway/embed-through-gateway.ts';
import { workersAiStep, type ParsedStep } from '../parse-step.ts';
import { isRunEmbeddingInput, runEmbeddingCall } from './run-embeddings.ts';

/** What a run's inputs ask of a model: an embedding (`{text}`), or a generation's step. */
export type RunInputs =
  { kind: 'embedding'; request: EmbeddingCall } | { kind: 'generation'; parsed: ParsedStep };

/**
 * A run's inputs, checked (a 400 names what is wrong), as Workers AI's `ai/run` and AI
 * Gateway's Run API both read them: `{text}` embeds, anything else generates (`prompt`,
 * `messages`, or a Responses request). `wrapped`: the answer goes in Cloudflare's envelope.
 */
export function runInputs(model: string, inputs: unknown, wrapped: boolean): RunInputs {
  if (typeof inputs === 'object' && inputs !== null && isRunEmbeddingInput(inputs as Record<string, unknown>))
    return { kind: 'embedding', request: runEmbeddingCall(model, inputs) };
  return { kind: 'generation', parsed: workersAiStep(model, inputs, wrapped) };
}

import type {
  ChatModelFunctions,
  LlamaChatResponse,
  LlamaChatResponseFunctionCallParamsChunk,
  LlamaGrammar,
} from 'node-llama-cpp';
import type { FinishReason, ModelEvent } from '../provider.ts';
import { mapStopReason } from './map-stop-reason.ts';

/** Functions the model may call in its chat template's own syntax (node-llama-cpp function calling). */
export interface OfferedFunctions {
  functions: ChatModelFunctions;
  /** Undefined: as many as the template allows. */
  maxParallelFunctionCalls: number | undefined;
}

/**
 * What a generation's output is and how its text becomes model events: plain (or
 * grammar-constrained) text, a forced tool call, or text with function calls.
 */
export interface ChatOutput {
  readonly grammar: LlamaGrammar | undefined;
  readonly functions: OfferedFunctions | undefined;
  onText(text: string): ModelEvent[];
  onFunctionCallParams(chunk: LlamaChatResponseFunctionCallParamsChunk): ModelEvent[];
  /** Events that close the output once generation has stopped, and why it stopped. */
  finish(response: LlamaChatResponse<ChatModelFunctions>): { events: ModelEvent[]; reason: FinishReason };
}

/** Text, constrained by `grammar` when a structured format was asked for. */
export function textOutput(grammar: LlamaGrammar | undefined): ChatOutput {
  return {
    grammar,
    functions: undefined,
    onText: (delta) => [{ type: 'text-delta', delta }],
    onFunctionCallParams: () => [],
    finish: (response) => ({ events: [], reason: mapStopReason(response.metadata.stopReason) }),
  };
}

import type { LlamaGrammar } from 'node-llama-cpp';
import type { ChatOutput } from './chat-output.ts';
import { ForcedCallReader } from './forced-call-reader.ts';

/**
 * An output that is nothing but tool calls, shaped by `grammar` (forced-call-gbnf.ts) and read
 * into tool-call events as it streams. It finishes with `tool-calls`, or `length` when the
 * token limit cut it short (the open call is then left for the engine to mark incomplete).
 */
export function forcedCallOutput(grammar: LlamaGrammar, newCallId: () => string): ChatOutput {
  const reader = new ForcedCallReader(newCallId);
  return {
    grammar,
    functions: undefined,
    onText: (text) => reader.push(text),
    onFunctionCallParams: () => [],
    finish(response) {
      if (response.metadata.stopReason === 'maxTokens') return { events: [], reason: 'length' };
      const events = reader.finish();
      return { events, reason: reader.completed > 0 ? 'tool-calls' : 'stop' };
    },
  };
}

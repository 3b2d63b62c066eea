import type { Gateway } from './create-gateway.ts';
import type { GatewayCall } from './gateway-call.ts';
import type { OperationAnswer } from './log-request.ts';
import type { EmbeddingResult } from '../providers/provider.ts';
import type { Embedder } from '../retrieval/embedder.ts';

export interface EmbeddingCall {
  model: string;
  input: Array<string | number[]>;
  dimensions?: number;
  /** Inputs longer than the model takes are cut to fit instead of refused. */
  truncate?: boolean;
}

/**
 * Embeddings for a client, through the gateway (`call`'s step names the model): the key's
 * model scope, the rate and spend limits, the content policies' request checks on the texts,
 * and a log entry with the input tokens and their cost, which records the answer as `render`
 * makes it for the client's API.
 */
export function embedThroughGateway<T>(
  runtime: { gateway: Gateway; embedder: Embedder },
  call: GatewayCall,
  request: EmbeddingCall,
  render: (result: EmbeddingResult) => T,
): Promise<OperationAnswer<T>> {
  // Texts are what DLP and Guardrails read; token ids are not text.
  const scanned = request.input.flatMap((input, index) =>
    typeof input === 'string' ? [{ at: `input[${index}]`, text: input }] : [],
  );
  return runtime.gateway.operate(
    call,
    async (_principal, storedKeys) => {
      const result = await runtime.embedder.embed(request, call.signal, storedKeys);
      const tokens = result.inputTokens;
      return {
        value: render(result),
        modelType: 'Text Embeddings',
        usage: {
          input_tokens: tokens,
          input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
          output_tokens: 0,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: tokens,
        },
      };
    },
    scanned,
  );
}

import { ApiError } from '../../api/errors.ts';
import { cleanUpstreamError } from '../http/clean-upstream-error.ts';
import { openUpstream, type UpstreamRequest } from '../http/stream-upstream.ts';
import { upstreamHeaders } from '../http/upstream-headers.ts';
import { malformedEvent, translateStream } from '../http/translate-stream.ts';
import type { UpstreamOptions } from '../http/upstream-options.ts';
import type { NativeOutputItem } from '../../api/response.ts';
import type {
  EmbeddingRequest,
  EmbeddingResult,
  ModelEvent,
  ModelUsage,
  Provider,
  Turn,
  Unsupported,
} from '../provider.ts';
import { upstreamEmbeddings } from '../http/upstream-embeddings.ts';
import { samplingUnsupported } from '../sampling-unsupported.ts';
import { buildRequestBody } from './build-request-body.ts';
import { countOpenAiTokens } from './count-openai-tokens.ts';
import { mapInputItems } from './map-input-items.ts';
import { mapOpenAiUsage } from './map-openai-usage.ts';
import { CompactAnswer } from './openai-wire.ts';
import { OpenAiStreamTranslator } from './openai-stream-translator.ts';

/**
 * OpenAI's Responses API (or any server that speaks it) as a provider. Portico keeps the
 * state: every turn sends the whole history with `store: false`, and reasoning travels in
 * its encrypted form from one turn to the next.
 */
export class OpenAiProvider implements Provider {
  constructor(private readonly options: UpstreamOptions) {}

  /** Everything a turn holds passes through, but for the sampling settings the Responses API lacks. */
  unsupported(turn: Turn): Unsupported[] {
    return samplingUnsupported(turn, ['temperature', 'topP', 'maxOutputTokens'], "OpenAI's Responses API");
  }

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    const accept = turn.stream ? 'text/event-stream' : 'application/json';
    const reply = await openUpstream(
      this.options,
      this.request('/responses', buildRequestBody(turn), accept, turn),
      signal,
    );
    yield* translateStream(this.options, reply, new OpenAiStreamTranslator(this.options.id), signal);
  }

  /**
   * The turn's input tokens with OpenAI's own o200k tokenizer, counted here: truncation and
   * `POST /v1/responses/input_tokens` need no upstream call (nor the key), and agree.
   */
  async countInputTokens(turn: Turn): Promise<number> {
    return countOpenAiTokens(turn);
  }

  /** `POST /embeddings`, for embedding models configured on this provider. */
  embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    return upstreamEmbeddings(this.options, request, signal);
  }

  /** OpenAI's own compaction (`POST /responses/compact`): its encrypted `compaction` item passes through. */
  async compact(
    turn: Turn,
    signal: AbortSignal,
  ): Promise<{ output: NativeOutputItem[]; usage: ModelUsage | undefined }> {
    const body = {
      model: turn.model.upstreamModel,
      input: mapInputItems(turn.items),
      ...(turn.instructions ? { instructions: turn.instructions } : {}),
    };
    try {
      const reply = await openUpstream(
        this.options,
        this.request('/responses/compact', body, 'application/json'),
        signal,
      );
      let json: unknown;
      try {
        json = JSON.parse(await reply.text());
      } catch (error) {
        if (error instanceof ApiError || signal.aborted) throw error;
        json = undefined;
      }
      const parsed = CompactAnswer.safeParse(json);
      if (!parsed.success) throw malformedEvent(this.options.id, 'an unreadable compaction');
      const usage = parsed.data.usage;
      return {
        output: parsed.data.output as NativeOutputItem[],
        usage: usage ? mapOpenAiUsage(usage) : undefined,
      };
    } catch (error) {
      throw error instanceof ApiError ? this.clean(error) : error;
    }
  }

  private request(path: string, body: unknown, accept: string, turn?: Turn): UpstreamRequest {
    return {
      url: `${this.options.baseUrl}${path}`,
      headers: upstreamHeaders(this.options, accept),
      body,
      timeouts: turn?.model.timeouts,
      whole: turn !== undefined && !turn.stream,
    };
  }

  private clean(error: ApiError): ApiError {
    return cleanUpstreamError(error, this.options);
  }
}

import { serverError } from '../../api/errors.ts';
import type { Logger } from '../../logger.ts';
import type { UpstreamOptions } from '../http/upstream-options.ts';
import type { ModelEvent, Provider, Turn } from '../provider.ts';
import { buildChatRequest } from './build-chat-request.ts';
import { ChatChunkTranslator, randomCallId } from './chat-chunk-translator.ts';
import { chatPreset, type ChatPreset } from './presets.ts';
import { streamUpstream } from '../http/stream-upstream.ts';
import { translateStream } from '../http/translate-stream.ts';

export interface ChatCompletionsOptions extends UpstreamOptions {
  /** A name from CHAT_PRESETS; `openai-compatible` when unset. */
  preset?: string;
  /** Where translation losses (a setting the upstream cannot take) are reported. */
  logger?: Logger;
  /** Ids for tool calls a server streams without one. */
  newCallId?: () => string;
}

/** The JSON headers every OpenAI-style upstream takes; configured headers win. */
export function bearerHeaders(options: UpstreamOptions): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
  };
}

/** Any OpenAI-compatible server (vLLM, llama.cpp, Ollama, Groq, ...) through `POST {baseUrl}/chat/completions`. */
export class ChatCompletionsProvider implements Provider {
  readonly preset: ChatPreset;
  private readonly url: string;

  constructor(private readonly options: ChatCompletionsOptions) {
    this.preset = chatPreset(options.preset);
    const baseUrl = options.baseUrl || this.preset.defaultBaseUrl;
    if (!baseUrl) throw serverError(`The chat-completions provider '${options.id}' needs a base URL.`);
    this.url = `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    const { body, customToolNames, warnings } = buildChatRequest(turn, this.preset);
    if (warnings.length > 0)
      this.options.logger?.warn('request translated with losses', {
        provider: this.options.id,
        model: turn.model.id,
        warnings,
      });
    const stream = await streamUpstream(
      this.options,
      { url: this.url, headers: bearerHeaders(this.options), body },
      signal,
    );
    const translator = new ChatChunkTranslator(
      this.options.id,
      this.preset,
      customToolNames,
      this.options.newCallId ?? randomCallId,
    );
    yield* translateStream(this.options, stream, translator, signal);
  }
}

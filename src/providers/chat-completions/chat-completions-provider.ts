import { serverError } from '../../api/errors.ts';
import { contentParts } from '../../api/item-parts.ts';
import type { Logger } from '../../logger.ts';
import type { UpstreamOptions } from '../http/upstream-options.ts';
import type {
  EmbeddingRequest,
  EmbeddingResult,
  ModelEvent,
  Provider,
  Turn,
  Unsupported,
} from '../provider.ts';
import { upstreamEmbeddings } from '../http/upstream-embeddings.ts';
import { buildChatRequest } from './build-chat-request.ts';
import { ChatChunkTranslator, randomCallId } from './chat-chunk-translator.ts';
import { chatPreset, type ChatPreset } from './presets.ts';
import { openUpstream } from '../http/stream-upstream.ts';
import { upstreamHeaders } from '../http/upstream-headers.ts';
import { translateStream } from '../http/translate-stream.ts';
import { CONVERSATION_ITEM_TYPES } from '../conversation-item-types.ts';

export interface ChatCompletionsOptions extends UpstreamOptions {
  /** A name from CHAT_PRESETS; `openai-compatible` when unset. */
  preset?: string;
  /** Where translation losses (a setting the upstream cannot take) are reported. */
  logger?: Logger;
  /** Ids for tool calls a server streams without one. */
  newCallId?: () => string;
}

/** Request fields a preset may refuse, as the turn holds them: the wire parameter and whether it is set. */
const PRESET_FIELDS: Record<string, { param: string; set: (turn: Turn) => boolean; harmless?: boolean }> = {
  verbosity: { param: 'text.verbosity', set: (turn) => turn.text.verbosity != null, harmless: true },
  seed: { param: 'seed', set: (turn) => turn.sampling.seed !== undefined },
  temperature: { param: 'temperature', set: (turn) => turn.sampling.temperature !== undefined },
  top_p: { param: 'top_p', set: (turn) => turn.sampling.topP !== undefined },
  parallel_tool_calls: { param: 'parallel_tool_calls', set: (turn) => !turn.parallelToolCalls },
};

/** Any OpenAI-compatible server (vLLM, llama.cpp, Ollama, Groq, ...) through `POST {baseUrl}/chat/completions`. */
export class ChatCompletionsProvider implements Provider {
  readonly preset: ChatPreset;
  private readonly url: string;
  private readonly baseUrl: string;

  constructor(private readonly options: ChatCompletionsOptions) {
    this.preset = chatPreset(options.preset);
    const baseUrl = options.baseUrl || this.preset.defaultBaseUrl;
    if (!baseUrl) throw serverError(`The chat-completions provider '${options.id}' needs a base URL.`);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.url = `${this.baseUrl}/chat/completions`;
  }

  unsupported(turn: Turn): Unsupported[] {
    const upstream = `the chat-completions upstream '${this.options.id}'`;
    const found: Unsupported[] = [];
    turn.tools.forEach((tool, index) => {
      if (tool.type !== 'function' && tool.type !== 'custom')
        found.push({
          param: `tools[${index}].type`,
          message: `A '${tool.type}' tool cannot be sent to ${upstream}.`,
        });
    });
    const choice = turn.toolChoice;
    if (typeof choice === 'object' && !['function', 'custom', 'allowed_tools'].includes(choice.type))
      found.push({
        param: 'tool_choice',
        message: `tool_choice '${choice.type}' cannot be sent to ${upstream}.`,
      });
    if (turn.reasoning?.effort && this.preset.reasoningEffort === 'omit')
      found.push({ param: 'reasoning.effort', message: `No reasoning effort can be sent to ${upstream}.` });
    if (turn.reasoning?.summary ?? turn.reasoning?.generate_summary)
      found.push({
        param: 'reasoning.summary',
        message: `Reasoning from ${upstream} comes as text, not summaries.`,
        harmless: true,
      });
    for (const field of this.preset.dropParams) {
      const known = PRESET_FIELDS[field];
      if (known?.set(turn))
        found.push({
          param: known.param,
          message: `'${field}' cannot be sent to ${upstream} (preset '${this.preset.name}').`,
          harmless: known.harmless ?? false,
        });
    }
    turn.items.forEach((item, index) => {
      if (!CONVERSATION_ITEM_TYPES.has(item.type))
        found.push({
          param: `input[${index}]`,
          message: `A '${item.type}' item cannot be sent to ${upstream}.`,
          harmless: true,
        });
    });
    for (const { path, item, part } of contentParts(turn.items)) {
      if (part.type !== 'input_image' && part.type !== 'input_file') continue;
      const message =
        item.type !== 'message'
          ? `Images and files in a tool output cannot be sent to ${upstream}: a tool message carries text.`
          : item.role !== 'user'
            ? `Only user messages can carry images and files to ${upstream}.`
            : part.type === 'input_image' && !part.image_url
              ? `An image given by file_id cannot be sent to ${upstream}: give its image_url.`
              : part.type === 'input_file' && !part.file_data
                ? `A file can only be sent to ${upstream} as file_data (a data URL).`
                : undefined;
      if (message) found.push({ param: path, message });
    }
    return found;
  }

  /** `POST {baseUrl}/embeddings`, for embedding models configured on this provider. */
  embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    return upstreamEmbeddings({ ...this.options, baseUrl: this.baseUrl }, request, signal);
  }

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    const { body, customToolNames, warnings } = buildChatRequest(turn, this.preset);
    if (warnings.length > 0)
      this.options.logger?.warn('request translated with losses', {
        provider: this.options.id,
        model: turn.model.id,
        warnings,
      });
    const accept = turn.stream ? 'text/event-stream' : 'application/json';
    const reply = await openUpstream(
      this.options,
      {
        url: this.url,
        headers: upstreamHeaders(this.options, accept),
        body,
        timeouts: turn.model.timeouts,
        whole: !turn.stream,
      },
      signal,
    );
    const translator = new ChatChunkTranslator(
      this.options.id,
      this.preset,
      customToolNames,
      this.options.newCallId ?? randomCallId,
    );
    yield* translateStream(this.options, reply, translator, signal);
  }
}

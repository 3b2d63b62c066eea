import type { ApiError } from '../api/errors.ts';
import type { Item, TokenLogprob } from '../api/items.ts';
import type { NativeOutputItem } from '../api/response.ts';
import type { ReasoningConfig, TextConfig } from '../api/request.ts';
import type { Tool, ToolChoice } from '../api/tools.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';

/** The one seam every upstream implements: a normalized turn in, normalized model events out. */
export interface Provider {
  generate(turn: Turn, signal: AbortSignal): AsyncIterable<ModelEvent>;
  /** Counts the tokens of a turn's input as the model would, when the provider can. */
  countInputTokens?(turn: Turn, signal: AbortSignal): Promise<number>;
  /**
   * Compacts a turn's items natively (OpenAI's `/responses/compact`): the items that replace
   * them. Providers without it are compacted by Portico, with a summary the model writes.
   */
  compact?(
    turn: Turn,
    signal: AbortSignal,
  ): Promise<{ output: NativeOutputItem[]; usage: ModelUsage | undefined }>;
  /** Embeds texts (or token arrays) with an embedding model, when the provider can. */
  embed?(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult>;
  /** Releases models, sockets and workers. */
  close?(): Promise<void>;
  /**
   * What of a turn this provider cannot serve as asked: a hosted tool, a parameter its
   * upstream lacks, a content part it cannot send. The engine refuses the request over the
   * first item that is not harmless (or, with `drop_unsupported`, removes them all from the
   * turn) before `generate` is called, and reports the harmless ones as warnings.
   */
  unsupported?(turn: Turn): Unsupported[];
}

/** Inputs for an embedding model: each a text or the model's token ids. */
export interface EmbeddingRequest {
  model: CatalogModel;
  input: ReadonlyArray<string | readonly number[]>;
  /** Fewer dimensions than the model's own, where the upstream can shorten them. */
  dimensions?: number;
  /** Inputs longer than the model takes are cut to fit instead of refused (chunks of a file). */
  truncate?: boolean;
}

export interface EmbeddingResult {
  /** One vector per input, in order. */
  vectors: number[][];
  inputTokens: number;
}

/** One thing a provider cannot serve. */
export interface Unsupported {
  /**
   * The wire path of what cannot be served: `tools[2].type`, `seed`, `top_p`, `text.verbosity`,
   * `reasoning.effort`, `input[3].content[1]`. Paths into `input` index `turn.items` (the
   * history followed by this request's input); the engine renames them for the client.
   */
  param: string;
  /** Why, in a sentence that names the upstream: `Anthropic takes no seed`. */
  message: string;
  /** Leaving it out does not change what the answer means: a warning, never an error. */
  harmless?: boolean;
}

/** Everything a provider needs for one generation; built by the engine, never by a route. */
export interface Turn {
  model: CatalogModel;
  /** This response's instructions only: never inherited through previous_response_id. */
  instructions: string | undefined;
  /** The whole history (rebuilt from the store) followed by this request's input. */
  items: Item[];
  tools: Tool[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  text: TextConfig;
  reasoning: ReasoningConfig | undefined;
  sampling: Sampling;
  /** `include` values the client asked for, e.g. `reasoning.encrypted_content`. */
  include: string[];
  /** `context_management`, for providers that compact natively (see `compact`). */
  contextManagement?: Array<{ type: 'compaction'; compactThreshold?: number }>;
  /** Alternatives per token with `include: ["message.output_text.logprobs"]`; 0 or unset: none. */
  topLogprobs?: number;
  /**
   * Whether the events are wanted as they are generated (a streamed or a background response).
   * When false, a provider may ask its upstream for the whole answer at once and yield it as a
   * few whole events: the answer is only folded.
   */
  stream: boolean;
}

export interface Sampling {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Sequences that end the output where they appear (not included); Chat Completions' `stop`. */
  stop?: string[];
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/** An upstream stream event about a native item; the engine sets output_index, item_id and sequence_number. */
export interface NativeItemEvent {
  type: `response.${string}`;
  [field: string]: unknown;
}

export type { TokenLogprob };

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error';

/**
 * What a provider yields. The engine alone turns these into Responses items and events:
 * text opens (or continues) a message, reasoning a reasoning item, a tool call its own item.
 */
export type ModelEvent =
  /** `logprobs`: the tokens of the delta with their log probabilities, when the upstream gave them. */
  | { type: 'text-delta'; delta: string; logprobs?: TokenLogprob[] }
  | { type: 'refusal-delta'; delta: string }
  /** A citation on the text streamed so far (an upstream's `url_citation`, `file_citation`, ...). */
  | { type: 'text-annotation'; annotation: { type: string; [field: string]: unknown } }
  /** The current message or reasoning item is finished: what follows starts a new one. */
  /** `phase` when the upstream said whether a message is commentary or the final answer. */
  | { type: 'item-end'; phase?: 'commentary' | 'final_answer' }
  | { type: 'reasoning-delta'; delta: string; part: 'summary' | 'content' }
  /** Opaque reasoning state (OpenAI encrypted_content, Anthropic thinking signature) for the current reasoning item. */
  | { type: 'reasoning-encrypted'; encryptedContent: string }
  /** `namespace` is set by the engine alone, for a tool the client offered inside a namespace. */
  | { type: 'tool-call-start'; callId: string; name: string; kind: 'function' | 'custom'; namespace?: string }
  | { type: 'tool-call-delta'; callId: string; delta: string }
  | { type: 'tool-call-end'; callId: string }
  /** An upstream item Portico does not run itself (web search, image generation, ...): opened... */
  | { type: 'native-item-start'; item: NativeOutputItem }
  /** ...its progress events (`response.web_search_call.searching`, ...), passed through as sent... */
  | { type: 'native-item-event'; itemId: string; event: NativeItemEvent }
  /** ...and its final form (opened here too when no start came first). */
  | { type: 'native-item'; item: NativeOutputItem }
  | { type: 'usage'; usage: ModelUsage }
  /** `stopSequence`: which of the request's stop sequences ended it, where the model says. */
  | { type: 'finish'; reason: FinishReason; error?: ApiError; stopSequence?: string };

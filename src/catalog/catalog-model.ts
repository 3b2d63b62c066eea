/** One entry of the model catalog: what Portico knows about a model it can serve. */
export interface CatalogModel {
  /** The id clients send, e.g. `local/stories260K` or `openai/gpt-5.4-pro`. */
  id: string;
  /** The id of the provider instance that serves it (a key of the provider registry). */
  provider: string;
  /** The model name the provider knows it by (a file path for local models). */
  upstreamModel: string;
  /** Text Embeddings models are served by `/v1/embeddings` and embed vector-store chunks. */
  task: 'Text Generation' | 'Text Embeddings';
  /** An embedding model's vector size, when the config gives it. */
  dimensions?: number;
  /** Who made the model, as shown in the catalog (`OpenAI`, `Local`, ...). */
  ownedBy: string;
  /** True when the model runs elsewhere and Portico forwards to it. */
  proxied: boolean;
  contextWindow: number;
  maxOutputTokens?: number;
  /** US dollars per million tokens. */
  pricing?: { input: number; cachedInput?: number; cacheWrite?: number; output: number };
  /** Models tried in order when this one's upstream fails (unavailable, overloaded, timed out). */
  fallbacks?: string[];
  /** For an alias: the catalog id it stands for (the alias keeps that model's capabilities and pricing). */
  aliasOf?: string;
  capabilities: ModelCapabilities;
  description?: string;
  /**
   * What to do with a tool or parameter the model cannot take: refuse the request with a 400
   * (false) or send it without them and say so in a warning (true). Unset: the global setting.
   */
  dropUnsupported?: boolean;
  /** This model's upstream timeouts, over its provider's (a slow reasoning model may need longer). */
  timeouts?: Partial<UpstreamTimeouts>;
  /** How long one response of this model may generate; undefined: the global limit. */
  maxGenerationMs?: number;
}

/** How long an upstream may keep Portico waiting, in milliseconds, at each stage of a request. */
export interface UpstreamTimeouts {
  /** To open the connection (TCP and TLS). */
  connectMs: number;
  /** From sending the request to the answer's status and headers. */
  firstByteMs: number;
  /** Between two chunks of a streamed answer. */
  idleMs: number;
}

export interface ModelCapabilities {
  tools: boolean;
  vision: boolean;
  structuredOutput: boolean;
  /** The `reasoning.effort` values the model accepts; empty when it does not reason. */
  reasoningEfforts: string[];
}

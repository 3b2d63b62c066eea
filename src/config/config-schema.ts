import { z } from 'zod';
import { GATEWAY_ID, GatewaySettingsInput } from '../api/gateway-settings.ts';
import { LocalConfigFile } from './local-config.ts';
import { ToolsConfigFile } from './tools-config.ts';

/**
 * The config file as written (JSON or YAML, snake_case). Every object is strict, so a
 * misspelled setting is an error that names it instead of a setting silently ignored.
 */

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable, e.g. OPENAI_API_KEY');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const providerId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'provider ids are letters, digits, dots, dashes and underscores');

const milliseconds = z.int('must be a whole number of milliseconds').positive('must be positive');

/** Upstream timeouts, on a provider or (winning over it) on one model. */
const Timeouts = z.strictObject({
  connect_ms: milliseconds.optional(),
  first_byte_ms: milliseconds.optional(),
  idle_ms: milliseconds.optional(),
});

const common = {
  base_url: httpUrl.optional(),
  api_key_env: envName.optional(),
  headers: z.record(z.string(), z.string({ error: 'header values must be strings' })).optional(),
  /** Shorthand for the first-byte and idle timeouts together; `timeouts` wins. */
  timeout_ms: milliseconds.optional(),
  timeouts: Timeouts.optional(),
};

export const PROVIDER_TYPES = ['openai', 'chat-completions', 'anthropic', 'workers-ai'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const FileProvider = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('openai'), ...common }),
    z.strictObject({ type: z.literal('chat-completions'), ...common, preset: z.string().min(1).optional() }),
    z.strictObject({ type: z.literal('anthropic'), ...common }),
    z.strictObject({
      type: z.literal('workers-ai'),
      ...common,
      account_id: z.string().min(1).optional(),
      account_id_env: envName.optional(),
    }),
  ],
  { error: `must be one of ${PROVIDER_TYPES.join(', ')}` },
);

const price = z
  .number('must be a number of US dollars per million tokens')
  .nonnegative('must not be negative');

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

/** A model entry: everything but `id` may be left out when it overrides a built-in model. */
export const FileModel = z.strictObject({
  id: z.string('must be a string').min(1, 'must not be empty'),
  provider: providerId.optional(),
  upstream_model: z.string().min(1).optional(),
  owned_by: z.string().min(1).optional(),
  description: z.string().optional(),
  context_window: z.int('must be a whole number of tokens').positive('must be positive').optional(),
  max_output_tokens: z.int('must be a whole number of tokens').positive('must be positive').optional(),
  pricing: z
    .strictObject({
      input: price,
      cached_input: price.optional(),
      cache_write: price.optional(),
      output: price,
    })
    .optional(),
  /** Models tried in order when this one's upstream fails. */
  fallbacks: z.array(z.string().min(1), 'must be a list of model ids').optional(),
  capabilities: z
    .strictObject({
      tools: z.boolean().optional(),
      vision: z.boolean().optional(),
      structured_output: z.boolean().optional(),
      reasoning_efforts: z
        .array(z.enum(REASONING_EFFORTS, { error: `must be one of ${REASONING_EFFORTS.join(', ')}` }))
        .optional(),
    })
    .optional(),
  drop_unsupported: z.boolean('must be true or false').optional(),
  timeouts: Timeouts.optional(),
  /** How long one response of this model may generate, over the global `max_generation_ms`. */
  max_generation_ms: milliseconds.optional(),
  /** `text-embeddings`: a model served by `/v1/embeddings` (its provider's `/embeddings`). */
  task: z
    .enum(['text-generation', 'text-embeddings'], { error: "must be 'text-generation' or 'text-embeddings'" })
    .optional(),
  /** An embedding model's vector size, shown in the catalog. */
  dimensions: z.int('must be a whole number').positive('must be positive').optional(),
});

export const ConfigFile = z.strictObject({
  providers: z.record(providerId, FileProvider).optional(),
  models: z.array(FileModel, 'must be a list of models').optional(),
  /** Tools and parameters a model cannot take are dropped (with a warning) instead of refused. */
  drop_unsupported: z.boolean('must be true or false').optional(),
  /** How long one response may generate, from its first model turn to its end (PORTICO_MAX_GENERATION_MS). */
  max_generation_ms: milliseconds.optional(),
  /** Gateways by id: `default` and any others, with their settings. */
  gateways: z.record(GATEWAY_ID, GatewaySettingsInput).optional(),
  /** Other names for catalog models (`gpt-5.5: local/stories260K`): same capabilities and pricing. */
  aliases: z
    .record(
      z.string().min(1).max(200),
      z.union(
        [
          z.string().min(1, 'must name a model'),
          z.strictObject({
            model: z.string().min(1, 'must name a model'),
            fallbacks: z.array(z.string().min(1), 'must be a list of model ids').optional(),
          }),
        ],
        'must be a model id, or {model, fallbacks}',
      ),
    )
    .optional(),
  logs: z
    .strictObject({
      /** Days a log entry is kept; absent: kept until deleted. */
      retention_days: z.number('must be a number of days').positive('must be positive').optional(),
    })
    .optional(),
  cors: z
    .strictObject({
      /** Origins allowed to call Portico from a browser (`*` for any); default: loopback pages only. */
      origins: z.array(z.string().min(1), 'must be a list of origins').optional(),
    })
    .optional(),
  /** Hosted tools (web_search, ...) a model's provider cannot run: dropped with a warning, or refused. */
  hosted_tools: z.enum(['drop', 'refuse'], { error: "must be 'drop' or 'refuse'" }).optional(),
  /** Built-in tools Portico runs itself: limits, the search backend, the networks they may reach. */
  tools: ToolsConfigFile.optional(),
  /** Vector stores: the model that embeds their chunks and queries (PORTICO_EMBEDDING_MODEL). */
  vector_stores: z
    .strictObject({ embedding_model: z.string('must be a model id').min(1, 'must not be empty').optional() })
    .optional(),
  /** The model that `model: "default"` names. */
  default_model: z.string('must be a model id').min(1, 'must not be empty').optional(),
  /** Local GGUF models: llama.cpp's threads, GPU offload, requests at once, context size. */
  local: LocalConfigFile.optional(),
});

export type FileProvider = z.output<typeof FileProvider>;
export type FileModel = z.output<typeof FileModel>;
export type FileTimeouts = z.output<typeof Timeouts>;
export type ConfigFile = z.output<typeof ConfigFile>;

import type { LocalConfig } from './local-config.ts';
import type { ToolsConfig } from './tools-config.ts';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { CatalogModel, UpstreamTimeouts } from '../catalog/catalog-model.ts';
import type { ProviderType } from './config-schema.ts';

export type { ProviderType };

interface ProviderSettings {
  /** The provider's id: its key under `providers`, which models name. */
  id: string;
  type: ProviderType;
  baseUrl: string;
  /**
   * The environment variable holding the API key. Only the name is kept: the key itself is
   * read when the provider is built, so it never sits in a config object that may be logged.
   */
  apiKeyEnv: string | undefined;
  headers: Record<string, string>;
  /** How long the upstream may take to connect, to answer, and between stream chunks. */
  timeouts: UpstreamTimeouts;
  /** Where it was declared (`providers.groq` in the file), or undefined for a built-in default. */
  declaredAt: string | undefined;
}

export type ProviderConfig =
  | (ProviderSettings & { type: 'openai' })
  | (ProviderSettings & { type: 'chat-completions'; preset: string | undefined })
  | (ProviderSettings & { type: 'anthropic' })
  | (ProviderSettings & {
      type: 'workers-ai';
      accountId: string | undefined;
      /** The environment variable holding the account id, when the file does not give it. */
      accountIdEnv: string | undefined;
    });

/** The resolved configuration: the file (if any) merged with environment defaults and built-ins. */
export interface PorticoConfig {
  /** The config file it was read from; undefined when Portico runs on environment variables alone. */
  file: string | undefined;
  providers: Map<string, ProviderConfig>;
  /** Every proxied model: the built-ins, overridden or extended by the file's entries. */
  models: CatalogModel[];
  /** The global `drop_unsupported`: a model's own setting wins; false unless the file says so. */
  dropUnsupported: boolean;
  /** Gateways of the file, every setting decided. */
  gateways: Map<string, GatewaySettings>;
  /** Alias -> the catalog id it stands for, and its own fallbacks (else the target's). */
  aliases: Map<string, { model: string; fallbacks?: string[] | undefined }>;
  /** How long one response may generate (a model's own limit wins): the file, else PORTICO_MAX_GENERATION_MS, else 10 minutes. */
  maxGenerationMs: number;
  /** Days logs are kept; undefined: until deleted. */
  logRetentionDays: number | undefined;
  /** Browser origins allowed by CORS; undefined: loopback pages only. */
  corsOrigins: string[] | undefined;
  /** Hosted tools a model's provider cannot run: `drop` (with a warning; the default) or `refuse`. */
  hostedTools: 'drop' | 'refuse';
  /** Built-in tools Portico runs itself. */
  tools: ToolsConfig;
  /** The model that embeds vector-store chunks and search queries; undefined: full-text search only. */
  embeddingModel: string | undefined;
  /** The model that `model: "default"` names. */
  defaultModel: string | undefined;
  /** How local GGUF models run: the file's `local` section over PORTICO_LOCAL_*. */
  local: LocalConfig;
}

import type { UpstreamTimeouts } from '../catalog/catalog-model.ts';
import type { ProviderType } from './config-schema.ts';

/**
 * Upstream timeouts when neither the file nor the environment sets them. Streams start at
 * once (OpenAI sends `response.created` before it reasons); silences between events are
 * where reasoning models take long (minutes, at high effort), so idle gets the most room.
 */
export const DEFAULT_TIMEOUTS: Readonly<UpstreamTimeouts> = {
  connectMs: 10_000,
  firstByteMs: 60_000,
  idleMs: 300_000,
};

/** The environment variables that set every provider's timeouts (a file's settings win). */
export const TIMEOUT_ENV: Readonly<Record<keyof UpstreamTimeouts, string>> = {
  connectMs: 'PORTICO_UPSTREAM_CONNECT_TIMEOUT_MS',
  firstByteMs: 'PORTICO_UPSTREAM_FIRST_BYTE_TIMEOUT_MS',
  idleMs: 'PORTICO_UPSTREAM_IDLE_TIMEOUT_MS',
};

/** Where each provider type lives when `base_url` is left out; chat-completions always needs one. */
export const DEFAULT_BASE_URLS: Readonly<Partial<Record<ProviderType, string>>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  'workers-ai': 'https://api.cloudflare.com/client/v4',
};

export interface WellKnownProvider {
  type: ProviderType;
  apiKeyEnv: string;
  /** An environment variable that replaces the default base URL (the file's `base_url` still wins). */
  baseUrlEnv?: string;
  accountIdEnv?: string;
}

/**
 * Providers that exist without a config file, configured by the environment variables their
 * own SDKs read. A file entry with the same id and type keeps these defaults for what it leaves out.
 */
export const WELL_KNOWN_PROVIDERS: Readonly<Record<string, WellKnownProvider>> = {
  openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', baseUrlEnv: 'OPENAI_BASE_URL' },
  anthropic: { type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', baseUrlEnv: 'ANTHROPIC_BASE_URL' },
  'workers-ai': {
    type: 'workers-ai',
    apiKeyEnv: 'CLOUDFLARE_API_TOKEN',
    accountIdEnv: 'CLOUDFLARE_ACCOUNT_ID',
  },
};

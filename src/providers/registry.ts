import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { PorticoConfig, ProviderConfig } from '../config/portico-config.ts';
import type { Logger } from '../logger.ts';
import { AnthropicProvider } from './anthropic/anthropic-provider.ts';
import { ChatCompletionsProvider } from './chat-completions/chat-completions-provider.ts';
import type { UpstreamOptions } from './http/upstream-options.ts';
import { undiciPost, type UpstreamPost } from './http/upstream-post.ts';
import { OpenAiProvider } from './openai/openai-provider.ts';
import type { Provider } from './provider.ts';
import { WorkersAiProvider } from './workers-ai/workers-ai-provider.ts';

/** The upstream side of the catalog: what can be served, and why the rest cannot. */
export interface Upstreams {
  /** The configured providers that have everything they need, by id. */
  providers: Map<string, Provider>;
  /** Every configured and built-in proxied model. */
  models: CatalogModel[];
  /** For each provider that models refer to but that cannot be built: what to set. */
  unavailable: Map<string, string>;
  /** The configured and well-known proxied providers' ids: those a gateway may store a key for. */
  providerIds: ReadonlySet<string>;
  /**
   * Provider `id` built as its config says but with `apiKey` (a key stored for a gateway) in
   * place of its configured one; undefined when no such provider is configured.
   */
  withKey(id: string, apiKey: string): Built | undefined;
}

export interface UpstreamDeps {
  /** How providers reach their upstreams; default undici's pooled `request`. */
  post?: UpstreamPost;
  env: NodeJS.ProcessEnv;
  /** Where providers report settings they had to translate with losses. */
  logger?: Logger;
}

export type Built = { provider: Provider } | { missing: string };

/** "set OPENAI_API_KEY", or how to name a variable when the file names none. */
function keyHint(config: ProviderConfig): string {
  if (config.apiKeyEnv) return `set the environment variable ${config.apiKeyEnv}`;
  return `set ${config.declaredAt ?? `providers.${config.id}`}.api_key_env to the environment variable that holds it`;
}

function build(config: ProviderConfig, deps: UpstreamDeps, storedKey?: string): Built {
  const apiKey =
    storedKey ?? (config.apiKeyEnv ? deps.env[config.apiKeyEnv]?.trim() || undefined : undefined);
  // A named key variable must be set; without one only servers that take no key can work.
  const needsKey =
    config.apiKeyEnv !== undefined || config.type === 'anthropic' || config.type === 'workers-ai';
  if (needsKey && !apiKey)
    return { missing: `the ${config.id} provider needs an API key: ${keyHint(config)}` };
  const options: UpstreamOptions = {
    id: config.id,
    baseUrl: config.baseUrl,
    apiKey,
    headers: config.headers,
    timeouts: config.timeouts,
    post: deps.post ?? undiciPost,
  };
  const logger = deps.logger ? { logger: deps.logger } : {};
  switch (config.type) {
    case 'openai':
      return { provider: new OpenAiProvider(options) };
    case 'chat-completions':
      return {
        provider: new ChatCompletionsProvider({
          ...options,
          ...logger,
          ...(config.preset !== undefined ? { preset: config.preset } : {}),
        }),
      };
    case 'anthropic':
      return { provider: new AnthropicProvider({ ...options, ...logger }) };
    case 'workers-ai': {
      const accountId =
        config.accountId ??
        (config.accountIdEnv ? deps.env[config.accountIdEnv]?.trim() || undefined : undefined);
      if (!accountId) {
        const where = config.declaredAt ? `${config.declaredAt}.account_id or ` : '';
        const env = config.accountIdEnv
          ? `the environment variable ${config.accountIdEnv}`
          : 'account_id_env';
        return { missing: `the ${config.id} provider needs a Cloudflare account id: set ${where}${env}` };
      }
      return { provider: new WorkersAiProvider({ ...options, ...logger, accountId }) };
    }
  }
}

/**
 * Builds the configured upstream providers. Keys are read from the environment here and
 * handed to the providers alone. A provider missing a setting is left out; when models refer
 * to it, `unavailable` says what to set, so a request for them fails with that hint.
 */
export function createUpstreams(config: PorticoConfig, deps: UpstreamDeps): Upstreams {
  const providers = new Map<string, Provider>();
  const unavailable = new Map<string, string>();
  const referenced = new Set(config.models.map((model) => model.provider));
  for (const provider of config.providers.values()) {
    const built = build(provider, deps);
    if ('provider' in built) providers.set(provider.id, built.provider);
    else if (referenced.has(provider.id)) unavailable.set(provider.id, built.missing);
  }
  return {
    providers,
    models: [...config.models],
    unavailable,
    providerIds: new Set(config.providers.keys()),
    withKey(id, apiKey) {
      const provider = config.providers.get(id);
      return provider && build(provider, deps, apiKey);
    },
  };
}

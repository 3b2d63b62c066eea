import type { CatalogModel, ModelCapabilities, UpstreamTimeouts } from '../catalog/catalog-model.ts';
import { BUILTIN_MODELS } from './builtin-models.ts';
import type { ConfigIssue } from './config-error.ts';
import type { FileModel, FileTimeouts } from './config-schema.ts';
import type { ProviderConfig } from './portico-config.ts';

const OWNER_BY_TYPE: Record<ProviderConfig['type'], string | undefined> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  'workers-ai': 'Cloudflare',
  'chat-completions': undefined,
};

const EMBEDDING_CONTEXT_WINDOW = 8191;

/** `groq/llama-3.3-70b` on provider `groq` is `llama-3.3-70b` upstream unless told otherwise. */
function defaultUpstreamName(id: string, provider: string): string {
  return id.startsWith(`${provider}/`) ? id.slice(provider.length + 1) : id;
}

function merge(
  entry: FileModel,
  base: CatalogModel | undefined,
): Partial<CatalogModel> & { capabilities: ModelCapabilities } {
  const caps = entry.capabilities;
  const provider = entry.provider ?? base?.provider;
  return {
    ...base,
    ...(provider !== undefined ? { provider } : {}),
    ...(entry.upstream_model !== undefined ? { upstreamModel: entry.upstream_model } : {}),
    ...(entry.owned_by !== undefined ? { ownedBy: entry.owned_by } : {}),
    ...(entry.description !== undefined ? { description: entry.description } : {}),
    ...(entry.drop_unsupported !== undefined ? { dropUnsupported: entry.drop_unsupported } : {}),
    ...(entry.fallbacks !== undefined ? { fallbacks: entry.fallbacks } : {}),
    ...(entry.max_generation_ms !== undefined ? { maxGenerationMs: entry.max_generation_ms } : {}),
    ...(entry.timeouts ? { timeouts: { ...base?.timeouts, ...modelTimeouts(entry.timeouts) } } : {}),
    ...(entry.context_window !== undefined ? { contextWindow: entry.context_window } : {}),
    ...(entry.max_output_tokens !== undefined ? { maxOutputTokens: entry.max_output_tokens } : {}),
    ...(entry.pricing
      ? {
          pricing: {
            input: entry.pricing.input,
            output: entry.pricing.output,
            ...(entry.pricing.cached_input !== undefined ? { cachedInput: entry.pricing.cached_input } : {}),
            ...(entry.pricing.cache_write !== undefined ? { cacheWrite: entry.pricing.cache_write } : {}),
          },
        }
      : {}),
    capabilities: {
      tools: caps?.tools ?? base?.capabilities.tools ?? true,
      vision: caps?.vision ?? base?.capabilities.vision ?? false,
      structuredOutput: caps?.structured_output ?? base?.capabilities.structuredOutput ?? false,
      reasoningEfforts: caps?.reasoning_efforts ?? base?.capabilities.reasoningEfforts ?? [],
    },
  };
}

function modelTimeouts(given: FileTimeouts): Partial<UpstreamTimeouts> {
  return {
    ...(given.connect_ms !== undefined ? { connectMs: given.connect_ms } : {}),
    ...(given.first_byte_ms !== undefined ? { firstByteMs: given.first_byte_ms } : {}),
    ...(given.idle_ms !== undefined ? { idleMs: given.idle_ms } : {}),
  };
}

/**
 * The catalog's proxied models: the built-ins first, each replaced in place by a file entry with
 * its id (fields left out keep the built-in's values), then the file's other models in order.
 */
export function resolveModels(
  entries: readonly FileModel[],
  providers: ReadonlyMap<string, ProviderConfig>,
  issues: ConfigIssue[],
): CatalogModel[] {
  const models = new Map<string, CatalogModel>(BUILTIN_MODELS.map((model) => [model.id, model]));
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const at = `models[${index}]`;
    if (seen.has(entry.id)) {
      issues.push({ path: `${at}.id`, problem: `'${entry.id}' is declared twice` });
      return;
    }
    seen.add(entry.id);
    const merged = merge(entry, models.get(entry.id));
    if (merged.provider === undefined) issues.push({ path: `${at}.provider`, problem: 'is required' });
    const embeddings = entry.task === 'text-embeddings';
    // OpenAI's embedding models take 8,191 tokens; an embedding model needs no window in the file.
    if (embeddings) merged.contextWindow ??= EMBEDDING_CONTEXT_WINDOW;
    if (merged.contextWindow === undefined)
      issues.push({ path: `${at}.context_window`, problem: 'is required' });
    if (merged.provider === undefined || merged.contextWindow === undefined) return;
    const provider = providers.get(merged.provider);
    if (!provider) {
      issues.push({
        path: `${at}.provider`,
        problem: `names no provider: declare providers.${merged.provider} or use one of ${[...providers.keys()].join(', ')}`,
      });
      return;
    }
    models.set(entry.id, {
      ...merged,
      id: entry.id,
      provider: provider.id,
      upstreamModel: merged.upstreamModel ?? defaultUpstreamName(entry.id, provider.id),
      task: embeddings ? 'Text Embeddings' : 'Text Generation',
      ...(entry.dimensions !== undefined ? { dimensions: entry.dimensions } : {}),
      ownedBy: merged.ownedBy ?? OWNER_BY_TYPE[provider.type] ?? provider.id,
      proxied: true,
      contextWindow: merged.contextWindow,
      capabilities: merged.capabilities,
    });
  });
  return [...models.values()];
}

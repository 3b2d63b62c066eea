import type { CatalogModel } from './catalog-model.ts';

/** A catalog entry as `GET /v1/models` lists it: the OpenAI model object plus Portico's facts. */
export function modelObject(model: CatalogModel) {
  return {
    id: model.id,
    object: 'model' as const,
    created: 0,
    owned_by: model.ownedBy,
    task: model.task,
    proxied: model.proxied,
    context_window: model.contextWindow,
    max_output_tokens: model.maxOutputTokens ?? null,
    pricing: model.pricing
      ? {
          input: model.pricing.input,
          cached_input: model.pricing.cachedInput ?? null,
          cache_write: model.pricing.cacheWrite ?? null,
          output: model.pricing.output,
        }
      : null,
    capabilities: {
      tools: model.capabilities.tools,
      vision: model.capabilities.vision,
      structured_output: model.capabilities.structuredOutput,
      reasoning_efforts: model.capabilities.reasoningEfforts,
    },
    ...(model.aliasOf ? { alias_of: model.aliasOf } : {}),
    ...(model.fallbacks ? { fallbacks: model.fallbacks } : {}),
    ...(model.description ? { description: model.description } : {}),
  };
}

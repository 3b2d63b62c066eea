import { z } from 'zod';
import type { CatalogModel } from '../../catalog/catalog-model.ts';

/** The parameters of Workers AI's model search (`GET …/ai/models/search`, the binding's `models()`). */
export const ModelSearchQuery = z.object({
  search: z.string().max(200).optional(),
  task: z.string().max(100).optional(),
  author: z.string().max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(1000).default(50),
});

export type ModelSearch = z.output<typeof ModelSearchQuery>;

/** A catalog model as Workers AI's model search lists it. */
export function searchResult(model: CatalogModel) {
  const properties: Array<{ property_id: string; value: unknown }> = [
    { property_id: 'context_window', value: String(model.contextWindow) },
    { property_id: 'proxied', value: String(model.proxied) },
  ];
  if (model.maxOutputTokens !== undefined)
    properties.push({ property_id: 'max_output_tokens', value: String(model.maxOutputTokens) });
  if (model.pricing)
    properties.push({
      property_id: 'price',
      value: [
        { unit: 'per M input tokens', price: model.pricing.input, currency: 'USD' },
        { unit: 'per M output tokens', price: model.pricing.output, currency: 'USD' },
      ],
    });
  if (model.capabilities.tools) properties.push({ property_id: 'function_calling', value: 'true' });
  if (model.capabilities.reasoningEfforts.length > 0)
    properties.push({ property_id: 'reasoning', value: 'true' });
  if (model.capabilities.vision) properties.push({ property_id: 'vision', value: 'true' });
  return {
    id: model.id,
    source: 1,
    name: model.id,
    description: model.description ?? '',
    task: {
      id: 'text-generation',
      name: model.task,
      description: 'Family of generative text models, such as large language models (LLM).',
    },
    // A local model is owned by `Local` too: each tag once.
    tags: [...new Set([model.ownedBy, model.proxied ? 'Proxied' : 'Local'])],
    properties,
  };
}

/** The catalog filtered as `GET …/ai/models/search` asks (case-insensitive), one page of it. */
export function searchModels(models: readonly CatalogModel[], query: ModelSearch) {
  const text = query.search?.toLowerCase();
  const matching = models.filter(
    (model) =>
      (!text ||
        model.id.toLowerCase().includes(text) ||
        (model.description ?? '').toLowerCase().includes(text)) &&
      (!query.task || model.task.toLowerCase() === query.task.toLowerCase().replace(/-/g, ' ')) &&
      (!query.author || model.ownedBy.toLowerCase() === query.author.toLowerCase()),
  );
  const start = (query.page - 1) * query.per_page;
  return { results: matching.slice(start, start + query.per_page).map(searchResult), total: matching.length };
}

import type { Catalog } from './catalog.ts';

/**
 * A model name as a provider's own API spells it (`gpt-5.4-pro` on the `openai` path, or a
 * dynamic route's `{provider: "openai", model: "gpt-5.4-pro"}`) as the catalog id
 * (`openai/gpt-5.4-pro`); a name the catalog already knows stays as it is.
 */
export function providerModel(catalog: Catalog, provider: string): (model: string) => string {
  return (model) =>
    catalog.get(model) || !catalog.get(`${provider}/${model}`) ? model : `${provider}/${model}`;
}

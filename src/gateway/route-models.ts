import type { DynamicRoute, RouteElement } from '../api/dynamic-route.ts';
import { paramPath } from '../api/request.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { providerModel } from '../catalog/provider-model.ts';

type ModelIssue = { path: string; problem: string };

/**
 * Every model element of `routes` that names no model of the catalog, by its path
 * (`routes[0].elements[2].properties.model`). A model element's `provider` and `model` name
 * the catalog id `provider/model` (`openai` and `gpt-5.4-pro`: `openai/gpt-5.4-pro`), or
 * `model` is itself a catalog id.
 */
export function unknownRouteModels(routes: readonly DynamicRoute[], catalog: Catalog): ModelIssue[] {
  return routes.flatMap((route, at) => unknownElementModels(route.elements, catalog, ['routes', at]));
}

/** The same for one route's elements, their paths under `at` (`elements[2].properties.model` for none). */
export function unknownElementModels(
  elements: readonly RouteElement[],
  catalog: Catalog,
  at: ReadonlyArray<string | number> = [],
): ModelIssue[] {
  return elements.flatMap((element, index) => {
    if (element.type !== 'model') return [];
    const { provider, model } = element.properties;
    const id = providerModel(catalog, provider)(model);
    if (catalog.get(id)) return [];
    return [
      {
        path: paramPath([...at, 'elements', index, 'properties', 'model']),
        problem: `names no model in the catalog: neither '${provider}/${model}' nor '${model}' is one`,
      },
    ];
  });
}

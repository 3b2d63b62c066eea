import type { Usage } from '../api/response.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { CustomCost } from './request-options.ts';

const PER_MILLION = 1_000_000;

/**
 * US dollars for one answer, from every token class: fresh input, cached input, cache
 * writes and output (reasoning tokens are output). `cf-aig-custom-cost` replaces the
 * catalog's prices (per token, or a total); a cache hit costs nothing.
 */
export function costOf(
  usage: Usage | undefined,
  model: CatalogModel | undefined,
  custom: CustomCost | undefined,
  cacheHit: boolean,
): number {
  if (cacheHit || !usage) return 0;
  if (custom) {
    if ('totalCost' in custom) return custom.totalCost;
    return usage.input_tokens * custom.perTokenIn + usage.output_tokens * custom.perTokenOut;
  }
  const pricing = model?.pricing;
  if (!pricing) return 0;
  const cached = usage.input_tokens_details.cached_tokens;
  const written = usage.input_tokens_details.cache_write_tokens;
  const fresh = Math.max(0, usage.input_tokens - cached - written);
  return (
    (fresh * pricing.input +
      cached * (pricing.cachedInput ?? pricing.input) +
      written * (pricing.cacheWrite ?? pricing.input) +
      usage.output_tokens * pricing.output) /
    PER_MILLION
  );
}

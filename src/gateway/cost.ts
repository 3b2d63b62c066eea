import type { Usage } from '../api/response.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { CustomCost } from './request-options.ts';

const PER_MILLION = 1_000_000;

/**
 * US dollars for one answer, from every token class: fresh input, cached input, cache
 * writes and output (reasoning tokens are output). `cf-aig-custom-cost` replaces the
 * catalog's prices (per token, on either side or both, or a total); a cache hit costs nothing.
 */
export function costOf(
  usage: Usage | undefined,
  model: CatalogModel | undefined,
  custom: CustomCost | undefined,
  cacheHit: boolean,
): number {
  if (cacheHit || !usage) return 0;
  if (custom && 'totalCost' in custom) return custom.totalCost;
  const pricing = model?.pricing;
  const input =
    custom?.perTokenIn !== undefined
      ? usage.input_tokens * custom.perTokenIn
      : pricing
        ? catalogInput(usage, pricing) / PER_MILLION
        : 0;
  const output =
    custom?.perTokenOut !== undefined
      ? usage.output_tokens * custom.perTokenOut
      : pricing
        ? (usage.output_tokens * pricing.output) / PER_MILLION
        : 0;
  return input + output;
}

/** The input's price per million tokens times its tokens, by class: fresh, cached, written to the cache. */
function catalogInput(usage: Usage, pricing: NonNullable<CatalogModel['pricing']>): number {
  const cached = usage.input_tokens_details.cached_tokens;
  const written = usage.input_tokens_details.cache_write_tokens;
  const fresh = Math.max(0, usage.input_tokens - cached - written);
  return (
    fresh * pricing.input +
    cached * (pricing.cachedInput ?? pricing.input) +
    written * (pricing.cacheWrite ?? pricing.input)
  );
}

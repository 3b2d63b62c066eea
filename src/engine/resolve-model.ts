import type { ResolvedModel } from '../catalog/catalog.ts';
import type { EngineContext } from './engine-context.ts';

/**
 * The catalog entry and provider of a model id: the one place a model's provider is resolved,
 * so the gateway's `wrapProvider` sees every provider call the engine makes.
 */
export function resolveModel(
  id: string,
  ctx: Pick<EngineContext, 'catalog' | 'wrapProvider' | 'storedKeyProvider'>,
): ResolvedModel {
  const resolved = ctx.catalog.resolve(id, ctx.storedKeyProvider);
  if (!ctx.wrapProvider) return resolved;
  return { model: resolved.model, provider: ctx.wrapProvider(resolved.provider, resolved.model) };
}

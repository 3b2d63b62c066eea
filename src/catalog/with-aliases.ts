import type { Logger } from '../logger.ts';
import type { CatalogModel } from './catalog-model.ts';

/**
 * The models plus each alias as a model of its own: the target's provider, capabilities and
 * pricing under the alias's name, so clients that know model names by heart see one they
 * know. An alias whose target is missing (a local file not there today) is skipped with a warning.
 */
export function withAliases(
  models: readonly CatalogModel[],
  aliases: ReadonlyMap<string, { model: string; fallbacks?: string[] | undefined }>,
  logger: Logger,
): CatalogModel[] {
  const byId = new Map(models.map((model) => [model.id, model]));
  const all = [...models];
  for (const [alias, { model, fallbacks }] of aliases) {
    const target = byId.get(model);
    if (!target) {
      logger.warn('an alias names a model that is not in the catalog; it is left out', { alias, model });
      continue;
    }
    if (byId.has(alias)) {
      logger.warn('an alias has the name of a model; the model keeps it', { alias });
      continue;
    }
    const entry: CatalogModel = { ...target, id: alias, aliasOf: target.id };
    if (fallbacks) entry.fallbacks = fallbacks;
    byId.set(alias, entry);
    all.push(entry);
  }
  return all;
}

import { ApiError, notFound } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { Provider } from '../providers/provider.ts';
import type { CatalogModel } from './catalog-model.ts';

/** The provider to use for a model instead of the catalog's; undefined: the catalog's. */
export type StoredKeyProvider = (model: CatalogModel) => Provider | undefined;

export interface ResolvedModel {
  model: CatalogModel;
  provider: Provider;
}

/** The 404 for a model (or a dynamic route) that is not there, naming `model`. */
export function modelNotFound(id: string): ApiError {
  return notFound(
    `The model '${clip(id)}' does not exist or you do not have access to it.`,
    'model_not_found',
    'model',
  );
}

/** The models Portico can serve and the providers behind them. */
export class Catalog {
  private readonly models = new Map<string, CatalogModel>();

  constructor(
    models: readonly CatalogModel[],
    private readonly providers: ReadonlyMap<string, Provider>,
    /** Why a provider that models refer to is not available: names the missing setting. */
    private readonly unavailable: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const model of models) if (!this.models.has(model.id)) this.models.set(model.id, model);
  }

  list(): CatalogModel[] {
    return [...this.models.values()];
  }

  get(id: string): CatalogModel | undefined {
    return this.models.get(id);
  }

  /** The model, served now or not (a proxied one whose provider is not configured), or a 404. */
  known(id: string): CatalogModel {
    const model = this.models.get(id);
    if (!model) throw modelNotFound(id);
    return model;
  }

  /** The models that can be served now: local ones, and proxied ones whose provider is configured. */
  servable(): CatalogModel[] {
    return this.list().filter((model) => this.providers.has(model.provider));
  }

  /**
   * The model and its provider, or a 404 for an unknown model / a 400 naming what to configure.
   * `storedKeyProvider` may answer a provider of its own first (one built with a provider key
   * stored for the request's gateway), so a provider without a key of its own serves there.
   */
  resolve(id: string, storedKeyProvider?: StoredKeyProvider): ResolvedModel {
    const model = this.known(id);
    const provider = storedKeyProvider?.(model) ?? this.providers.get(model.provider);
    if (!provider) {
      const why =
        this.unavailable.get(model.provider) ?? `the provider '${model.provider}' is not configured`;
      throw new ApiError({
        status: 400,
        type: 'invalid_request_error',
        code: 'provider_not_configured',
        param: 'model',
        message: `The model '${id}' is proxied and its provider is not configured: ${why}.`,
      });
    }
    return { model, provider };
  }
}

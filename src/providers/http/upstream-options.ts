import type { UpstreamTimeouts } from '../../catalog/catalog-model.ts';
import type { UpstreamPost } from './upstream-post.ts';

export type { UpstreamTimeouts };

/** What every HTTP upstream provider is built from, resolved from the config and environment. */
export interface UpstreamOptions {
  /** The provider's id in the config (`openai`, `groq`, ...), used in errors and logs. */
  id: string;
  baseUrl: string;
  /** The secret itself; it never reaches a log, an error message or a stored record. */
  apiKey: string | undefined;
  headers: Record<string, string>;
  /** The provider's timeouts; a model's own (`CatalogModel.timeouts`) win per request. */
  timeouts: UpstreamTimeouts;
  post: UpstreamPost;
}

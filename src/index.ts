export {
  createAI,
  type AI,
  type AiGateway,
  type AiModelsSearchParams,
  type BindingOptions,
  type RunOptions,
  type UniversalRequest,
} from './binding.ts';
export { startServer, type RunningServer, type ServerOptions } from './server/start-server.ts';
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
export { ApiError } from './api/errors.ts';
export type { GatewayOptions } from './gateway/options-from-binding.ts';
export type { RateLimiter, RateDecision } from './gateway/rate-limiter.ts';
export type { Provider, Turn, ModelEvent } from './providers/provider.ts';
export type { CatalogModel } from './catalog/catalog-model.ts';

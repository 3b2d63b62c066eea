export { createAI, type AI, type RunOptions } from './binding.ts';
export { startServer, type RunningServer, type ServerOptions } from './server/start-server.ts';
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
export { ApiError } from './api/errors.ts';
export type { Provider, Turn, ModelEvent } from './providers/provider.ts';

import { resolve } from 'node:path';
import type { PorticoConfig } from './portico-config.ts';
import { readConfigFile } from './read-config-file.ts';
import { resolveConfig } from './resolve-config.ts';

export type { PorticoConfig } from './portico-config.ts';
export { ConfigError } from './config-error.ts';

export interface LoadConfigOptions {
  /** The `--config` path; falls back to `PORTICO_CONFIG`, then to no file at all. */
  path?: string;
  /** A config document given in code (the same shape as the file); wins over any path. */
  document?: unknown;
  env: NodeJS.ProcessEnv;
}

/**
 * Loads Portico's configuration. Without a file it still works: `OPENAI_API_KEY` (and
 * `OPENAI_BASE_URL`) configure the `openai` provider and the built-in models are listed.
 * Throws a ConfigError naming the file, the path inside it and the problem.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<PorticoConfig> {
  if (options.document !== undefined) return resolveConfig(options.document, { env: options.env });
  const given = options.path ?? (options.env.PORTICO_CONFIG?.trim() || undefined);
  if (!given) return resolveConfig({}, { env: options.env });
  const file = resolve(given);
  return resolveConfig(await readConfigFile(file), { file, env: options.env });
}

import { positiveNumber } from './env-number.ts';
import { applyGatewaySettings, defaultGateway, type GatewaySettings } from '../api/gateway-settings.ts';
import { ConfigError, issuesFromZod, type ConfigIssue } from './config-error.ts';
import { ConfigFile } from './config-schema.ts';
import type { PorticoConfig } from './portico-config.ts';
import { resolveLocalConfig } from './local-config.ts';
import { resolveModels } from './resolve-models.ts';
import { resolveProviders } from './resolve-providers.ts';
import { resolveToolsConfig } from './tools-config.ts';

export interface ResolveConfigOptions {
  /** The file the document came from, named in errors; undefined for a config given in code. */
  file?: string;
  env: NodeJS.ProcessEnv;
}

/** Ten minutes: longer than any answer should take, short enough that nothing holds a model for good. */
export const DEFAULT_MAX_GENERATION_MS = 600_000;

/**
 * A config document (as parsed from JSON or YAML, or passed in code) merged with the
 * environment's defaults and the built-in models. Every problem found is reported at once.
 */
export function resolveConfig(document: unknown, options: ResolveConfigOptions): PorticoConfig {
  const source = options.file ?? 'the Portico config';
  const parsed = ConfigFile.safeParse(document ?? {}, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, issuesFromZod(parsed.error));
  const issues: ConfigIssue[] = [];
  const providers = resolveProviders(parsed.data.providers ?? {}, options.env, issues);
  const models = resolveModels(parsed.data.models ?? [], providers, issues);
  if (issues.length > 0) throw new ConfigError(source, issues);
  const gateways = new Map<string, GatewaySettings>(
    Object.entries(parsed.data.gateways ?? {}).map(([id, input]) => [
      id,
      applyGatewaySettings(defaultGateway(id, 'config', 0), input),
    ]),
  );
  return {
    file: options.file,
    providers,
    models,
    dropUnsupported: parsed.data.drop_unsupported ?? false,
    maxGenerationMs:
      parsed.data.max_generation_ms ??
      positiveNumber(options.env, 'PORTICO_MAX_GENERATION_MS') ??
      DEFAULT_MAX_GENERATION_MS,
    gateways,
    aliases: new Map(
      Object.entries(parsed.data.aliases ?? {}).map(([alias, target]) => [
        alias,
        typeof target === 'string' ? { model: target } : target,
      ]),
    ),
    logRetentionDays: parsed.data.logs?.retention_days,
    corsOrigins: parsed.data.cors?.origins,
    hostedTools: parsed.data.hosted_tools ?? 'drop',
    tools: resolveToolsConfig(parsed.data.tools, options.env),
    embeddingModel:
      parsed.data.vector_stores?.embedding_model ??
      (options.env.PORTICO_EMBEDDING_MODEL?.trim() || undefined),
    defaultModel: parsed.data.default_model,
    local: resolveLocalConfig(parsed.data.local, options.env),
  };
}

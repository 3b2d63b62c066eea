import { CHAT_PRESETS } from '../providers/chat-completions/presets.ts';
import type { UpstreamTimeouts } from '../catalog/catalog-model.ts';
import type { ConfigIssue } from './config-error.ts';
import type { FileProvider } from './config-schema.ts';
import type { ProviderConfig } from './portico-config.ts';
import {
  DEFAULT_BASE_URLS,
  DEFAULT_TIMEOUTS,
  TIMEOUT_ENV,
  WELL_KNOWN_PROVIDERS,
  type WellKnownProvider,
} from './well-known-providers.ts';

/** A base URL without trailing slashes, so `${baseUrl}/responses` never doubles one. */
function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A base URL taken from an environment variable, checked as strictly as one in the file. */
function urlFromEnv(name: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return trimUrl(value);
  } catch {
    // reported below
  }
  issues.push({ path: `${name} (environment)`, problem: 'must be an http:// or https:// URL' });
  return undefined;
}

/**
 * A provider's timeouts: its file entry (`timeouts`, or the `timeout_ms` shorthand for first
 * byte and idle), then the PORTICO_UPSTREAM_*_TIMEOUT_MS variables, then the defaults.
 */
function providerTimeouts(
  entry: FileProvider | undefined,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
): UpstreamTimeouts {
  const fromEnv = (key: keyof UpstreamTimeouts): number | undefined => {
    const name = TIMEOUT_ENV[key];
    const value = env[name]?.trim();
    if (!value) return undefined;
    const ms = Number(value);
    if (Number.isInteger(ms) && ms > 0) return ms;
    issues.push({
      path: `${name} (environment)`,
      problem: 'must be a positive whole number of milliseconds',
    });
    return undefined;
  };
  const file = entry?.timeouts;
  const shorthand = entry?.timeout_ms;
  return {
    connectMs: file?.connect_ms ?? fromEnv('connectMs') ?? DEFAULT_TIMEOUTS.connectMs,
    firstByteMs: file?.first_byte_ms ?? shorthand ?? fromEnv('firstByteMs') ?? DEFAULT_TIMEOUTS.firstByteMs,
    idleMs: file?.idle_ms ?? shorthand ?? fromEnv('idleMs') ?? DEFAULT_TIMEOUTS.idleMs,
  };
}

function resolveOne(
  id: string,
  entry: FileProvider | undefined,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
): ProviderConfig | undefined {
  const known: WellKnownProvider | undefined = WELL_KNOWN_PROVIDERS[id];
  const type = entry?.type ?? known?.type;
  if (!type) return undefined;
  // Defaults by id apply only to the type they were made for: `openai` declared as a
  // chat-completions server must not receive OPENAI_API_KEY.
  const defaults = known?.type === type ? known : undefined;
  const declaredAt = entry ? `providers.${id}` : undefined;
  const preset = entry?.type === 'chat-completions' ? entry.preset : undefined;
  if (preset !== undefined && !CHAT_PRESETS.has(preset)) {
    issues.push({
      path: `providers.${id}.preset`,
      problem: `must be one of ${[...CHAT_PRESETS.keys()].join(', ')}`,
    });
    return undefined;
  }
  const baseUrl =
    entry?.base_url ??
    (defaults?.baseUrlEnv ? urlFromEnv(defaults.baseUrlEnv, env, issues) : undefined) ??
    (preset !== undefined ? CHAT_PRESETS.get(preset)?.defaultBaseUrl : undefined) ??
    DEFAULT_BASE_URLS[type];
  if (!baseUrl) {
    issues.push({
      path: `providers.${id}.base_url`,
      problem: `is required for ${type} providers${type === 'chat-completions' ? ' without a preset that knows it' : ''}`,
    });
    return undefined;
  }
  const settings = {
    id,
    baseUrl: trimUrl(baseUrl),
    apiKeyEnv: entry?.api_key_env ?? defaults?.apiKeyEnv,
    headers: entry?.headers ?? {},
    timeouts: providerTimeouts(entry, env, issues),
    declaredAt,
  };
  switch (type) {
    case 'openai':
    case 'anthropic':
      return { ...settings, type };
    case 'chat-completions':
      return { ...settings, type, preset };
    case 'workers-ai':
      return {
        ...settings,
        type,
        accountId: entry?.type === type ? entry.account_id : undefined,
        accountIdEnv: (entry?.type === type ? entry.account_id_env : undefined) ?? defaults?.accountIdEnv,
      };
  }
}

/** The file's providers over the well-known ones that exist without a file. */
export function resolveProviders(
  fromFile: Record<string, FileProvider>,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
): Map<string, ProviderConfig> {
  const providers = new Map<string, ProviderConfig>();
  const ids = new Set([...Object.keys(WELL_KNOWN_PROVIDERS), ...Object.keys(fromFile)]);
  for (const id of ids) {
    const provider = resolveOne(id, fromFile[id], env, issues);
    if (provider) providers.set(id, provider);
  }
  return providers;
}

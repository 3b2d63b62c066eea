import {
  CONNECTION_OPTIONS,
  openBackend,
  type CliBackend,
  type GatewayObject,
  type ProviderConfigObject,
} from './backend.ts';
import { fail, RUNTIME_OPTIONS, UsageError, type Command } from './command.ts';
import {
  GATEWAY_SETTING_OPTIONS,
  GATEWAY_SETTINGS_USAGE,
  gatewaySettingsFrom,
} from './gateway-settings-options.ts';
import { formatTable } from './print-table.ts';
import { DEFAULT_GATEWAY } from '../gateway/gateway-registry.ts';

const USAGE = `portico gateways list [--json]
       portico gateways create ID ${GATEWAY_SETTINGS_USAGE}
       portico gateways update ID (the same settings)
       portico gateways delete ID
       portico gateways provider-configs ID [--json]   (the provider keys it stores: previews, never secrets)
  Add --url URL --key ADMIN_KEY to manage a running server instead of the data directory.`;

function configRow(config: ProviderConfigObject): string[] {
  return [
    config.id,
    config.provider_slug,
    config.alias,
    config.default_config ? 'yes' : 'no',
    config.secret_preview,
    config.rate_limit !== null ? `${config.rate_limit}/${config.rate_limit_period}s` : '-',
    new Date(config.modified_at * 1000).toISOString(),
  ];
}

/** `portico gateways provider-configs ID`: the provider keys stored for a gateway, as a table or JSON. */
async function printProviderConfigs(backend: CliBackend, id: string, json: boolean): Promise<void> {
  const configs = await backend.providerConfigs(id);
  if (json) process.stdout.write(`${JSON.stringify(configs, null, 2)}\n`);
  else
    process.stdout.write(
      formatTable(
        ['ID', 'PROVIDER', 'ALIAS', 'DEFAULT', 'SECRET', 'RATE LIMIT', 'MODIFIED'],
        configs.map(configRow),
      ),
    );
}

function row(g: GatewayObject): string[] {
  return [
    g.id,
    g.authentication ? 'required' : 'open',
    g.cache_ttl ? `${g.cache_ttl}s` : 'off',
    g.rate_limit ? `${g.rate_limit.limit}/${g.rate_limit.period}s ${g.rate_limit.technique}` : '-',
    (g.collect_logs ? (g.log_payloads ? 'bodies' : 'metadata') : 'off') +
      (g.log_limit ? `, at most ${g.log_limit.max_logs} (${g.log_limit.strategy})` : ''),
    `${g.retries.max_attempts}x ${g.retries.backoff}`,
    [
      g.spend_limit && `$${g.spend_limit.limit_usd}/${g.spend_limit.period}s`,
      g.spend_limits?.enabled && `${g.spend_limits.rules.filter((rule) => rule.enabled).length} rules`,
    ]
      .filter(Boolean)
      .join(' + ') || '-',
    g.routes.map((route) => route.name).join(', ') || '-',
    g.dlp?.enabled ? `${g.dlp.policies.filter((policy) => policy.enabled).length} policies` : 'off',
    g.guardrails?.enabled ? g.guardrails.model : 'off',
    g.source,
  ];
}

export const gatewaysCommand: Command = {
  summary:
    'Lists, creates, updates and deletes gateways (cache, rate and spend limits, logs, retries, DLP, guardrails).',
  usage: USAGE,
  maxArguments: 2,
  options: {
    ...RUNTIME_OPTIONS,
    ...CONNECTION_OPTIONS,
    ...GATEWAY_SETTING_OPTIONS,
    json: { type: 'boolean' },
  },
  async run(positionals, values) {
    const [action = 'list', id] = positionals;
    const needsId =
      action === 'create' || action === 'update' || action === 'delete' || action === 'provider-configs';
    if (!needsId && action !== 'list') throw new UsageError(`unknown action '${action}'`);
    if (needsId && !id) throw new UsageError(`${action} takes a gateway id`);
    if (!needsId && id) throw new UsageError(`unexpected argument '${id}'`);
    let settings: Record<string, unknown> = {};
    try {
      if (action === 'create' || action === 'update') settings = gatewaySettingsFrom(values);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const backend = await openBackend(values);
    try {
      if (action === 'provider-configs') {
        await printProviderConfigs(backend, id!, values.json === true);
        return 0;
      }
      if (action === 'delete') {
        await backend.deleteGateway(id!);
        // `default` always exists: deleting it brings back its built-in settings.
        process.stderr.write(
          id === DEFAULT_GATEWAY
            ? `The gateway ${id} is back to its built-in settings.\n`
            : `Deleted the gateway ${id}.\n`,
        );
        return 0;
      }
      const shown =
        action === 'create'
          ? [await backend.createGateway(id!, settings)]
          : action === 'update'
            ? [await backend.updateGateway(id!, settings)]
            : await backend.gateways();
      if (values.json)
        process.stdout.write(`${JSON.stringify(action === 'list' ? shown : shown[0], null, 2)}\n`);
      else
        process.stdout.write(
          formatTable(
            [
              'ID',
              'AUTH',
              'CACHE',
              'RATE LIMIT',
              'LOGS',
              'RETRIES',
              'SPEND LIMIT',
              'ROUTES',
              'DLP',
              'GUARDRAILS',
              'SOURCE',
            ],
            shown.map(row),
          ),
        );
      return 0;
    } catch (error) {
      return fail(error);
    } finally {
      await backend.close();
    }
  },
};

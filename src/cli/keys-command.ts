import { CreateKeyRequest } from '../api/keys.ts';
import { parseBody } from '../api/request.ts';
import { CONNECTION_OPTIONS, openBackend } from './backend.ts';
import { fail, RUNTIME_OPTIONS, text, UsageError, type Command, type Values } from './command.ts';
import { parseBudget, parseDuration, parseRateLimit } from './parse-limits.ts';
import { formatTable, minuteText } from './print-table.ts';

const USAGE = `portico keys create [--name NAME] [--project ID] [--admin] [--models a,b] [--gateways g,h]
                     [--expires 30d] [--budget 10/30d] [--rate-limit 100/60s[:sliding]] [--json]
       portico keys list [--project ID] [--all] [--json]
       portico keys revoke KEY_ID
  Add --url URL --key ADMIN_KEY to manage a running server instead of the data directory.`;

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
}

/** The options of `keys create` as the admin API's request, each checked with a clear message. */
function createRequest(values: Values): CreateKeyRequest {
  const expires = text(values, 'expires');
  const budget = text(values, 'budget');
  const rateLimit = text(values, 'rate-limit');
  const seconds = expires === undefined ? undefined : parseDuration(expires);
  if (expires !== undefined && seconds === undefined)
    throw new Error(`--expires takes a duration like 30d or 12h, not '${expires}'`);
  const parsedBudget = budget === undefined ? undefined : parseBudget(budget);
  if (budget !== undefined && !parsedBudget)
    throw new Error(`--budget takes dollars per period like 10/30d, not '${budget}'`);
  const parsedRate = rateLimit === undefined ? undefined : parseRateLimit(rateLimit);
  if (rateLimit !== undefined && !parsedRate)
    throw new Error(
      `--rate-limit takes requests per period like 100/60s or 100/1m:sliding, not '${rateLimit}'`,
    );
  const models = list(text(values, 'models'));
  const gateways = list(text(values, 'gateways'));
  return parseBody(CreateKeyRequest, {
    name: text(values, 'name'),
    project: text(values, 'project'),
    scopes: {
      ...(models ? { models } : {}),
      ...(gateways ? { gateways } : {}),
      ...(values.admin ? { admin: true } : {}),
    },
    ...(seconds !== undefined ? { expires_at: Math.floor(Date.now() / 1000) + seconds } : {}),
    ...(parsedBudget ? { budget: parsedBudget } : {}),
    ...(parsedRate ? { rate_limit: parsedRate } : {}),
  });
}

export const keysCommand: Command = {
  summary: 'Creates, lists and revokes virtual API keys (stored hashed; a key is shown once, when created).',
  usage: USAGE,
  maxArguments: 2,
  options: {
    ...RUNTIME_OPTIONS,
    ...CONNECTION_OPTIONS,
    name: { type: 'string' },
    project: { type: 'string' },
    admin: { type: 'boolean' },
    models: { type: 'string' },
    gateways: { type: 'string' },
    expires: { type: 'string' },
    budget: { type: 'string' },
    'rate-limit': { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(positionals, values) {
    const [action, id] = positionals;
    if (action !== 'create' && action !== 'list' && action !== 'revoke')
      throw new UsageError(action ? `unknown action '${action}'` : 'give an action: create, list or revoke');
    if (action === 'revoke' && !id) throw new UsageError('revoke takes a key id (from `portico keys list`)');
    if (action !== 'revoke' && id) throw new UsageError(`unexpected argument '${id}'`);
    let request: CreateKeyRequest | undefined;
    try {
      if (action === 'create') request = createRequest(values);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const backend = await openBackend(values);
    try {
      if (action === 'create') {
        const created = await backend.createKey(request!);
        if (values.json) process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        else {
          process.stdout.write(`${created.key}\n`);
          process.stderr.write(
            `Created ${created.id} (${created.name}) in project '${created.project}'${created.scopes.admin ? ', admin' : ''}.\n` +
              'This is the only time the key is shown: store it now.\n',
          );
        }
        return 0;
      }
      if (action === 'revoke') {
        const revoked = await backend.revokeKey(id!);
        process.stderr.write(`Revoked ${revoked.id} (${revoked.name}).\n`);
        return 0;
      }
      const project = text(values, 'project');
      const keys = await backend.keys({
        ...(project !== undefined ? { project } : {}),
        includeRevoked: values.all === true,
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
        return 0;
      }
      const now = Date.now() / 1000;
      const rows = keys.map((key) => [
        key.id,
        key.name,
        key.project,
        key.hint,
        key.scopes.admin
          ? 'admin'
          : [key.scopes.models?.join(',') ?? '', key.scopes.gateways?.join(',') ?? '']
              .filter(Boolean)
              .join(' ') || 'all models',
        key.revoked_at !== null
          ? 'revoked'
          : key.expires_at !== null && key.expires_at <= now
            ? 'expired'
            : 'active',
        minuteText(key.created_at),
      ]);
      process.stdout.write(formatTable(['ID', 'NAME', 'PROJECT', 'KEY', 'SCOPES', 'STATE', 'CREATED'], rows));
      return 0;
    } catch (error) {
      return fail(error);
    } finally {
      await backend.close();
    }
  },
};

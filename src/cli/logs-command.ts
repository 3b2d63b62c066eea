import { CONNECTION_OPTIONS, openBackend, type LogObject, type LogQuery } from './backend.ts';
import { fail, RUNTIME_OPTIONS, text, UsageError, type Command } from './command.ts';
import { formatTable } from './print-table.ts';
import type { LogFilterSpec } from '../api/log-conditions.ts';

const HEADER = ['TIME', 'GATEWAY', 'MODEL', 'STATUS', 'TOKENS', 'COST', 'LATENCY', 'CACHE'];

function row(entry: LogObject): string[] {
  return [
    new Date(entry.created_at * 1000).toISOString().replace('T', ' ').slice(0, 19),
    entry.gateway,
    entry.model ?? '-',
    entry.status ? `${entry.status_code} ${entry.status}` : String(entry.status_code),
    `${entry.tokens_in}/${entry.tokens_out}`,
    `$${entry.cost.toFixed(6)}`,
    `${entry.duration} ms`,
    entry.cache_status ?? '-',
  ];
}

/**
 * `--filter KEY:OPERATOR:VALUE`, one of the API's `filters` with one value (the value may hold
 * colons: `model:eq:local/llama3.2:3b`); each --filter narrows the list further.
 */
function filterSpec(flag: string): LogFilterSpec {
  const [key, operator, ...rest] = flag.split(':');
  if (!key || !operator || rest.length === 0)
    throw new UsageError(
      `--filter takes KEY:OPERATOR:VALUE (such as model:eq:local/x or cost:gt:0.01), not '${flag}'`,
    );
  return { key, operator, value: [rest.join(':')] };
}

export const logsCommand: Command = {
  summary:
    'Shows the gateway logs, newest last; --search and --filter narrow them, --follow keeps printing new requests as they arrive.',
  usage:
    'portico logs [--limit 20] [--follow] [--json] [--gateway ID] [--model ID] [--errors] [--search WORDS] ' +
    '[--filter KEY:OPERATOR:VALUE ...] [--url URL --key KEY]',
  maxArguments: 0,
  options: {
    ...RUNTIME_OPTIONS,
    ...CONNECTION_OPTIONS,
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
    gateway: { type: 'string' },
    model: { type: 'string' },
    errors: { type: 'boolean' },
    search: { type: 'string' },
    filter: { type: 'string', multiple: true },
  },
  async run(_positionals, values) {
    const limit = Number(text(values, 'limit') ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new UsageError(`--limit takes a whole number from 1 to 100, not '${text(values, 'limit')}'`);
    const gateway = text(values, 'gateway');
    const model = text(values, 'model');
    const search = text(values, 'search');
    const filters = ((values.filter ?? []) as string[]).map(filterSpec);
    const query: LogQuery = {
      ...(gateway ? { gateway } : {}),
      ...(model ? { model } : {}),
      ...(values.errors ? { errors: true } : {}),
      ...(search !== undefined ? { search } : {}),
      ...(filters.length ? { filters } : {}),
    };
    const backend = await openBackend(values);
    let header = true;
    const print = (entries: LogObject[]) => {
      if (values.json) for (const entry of entries) process.stdout.write(`${JSON.stringify(entry)}\n`);
      else if (entries.length > 0) {
        const table = formatTable(HEADER, entries.map(row)).split('\n');
        process.stdout.write(`${(header ? table : table.slice(1)).join('\n')}`);
        header = false;
      }
    };
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    try {
      if (!values.follow) print(await backend.logs(query, limit));
      else for await (const entries of backend.followLogs(query, limit, stop.signal)) print(entries);
      return 0;
    } catch (error) {
      return fail(error);
    } finally {
      await backend.close();
    }
  },
};

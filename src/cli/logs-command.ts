import { setTimeout as sleep } from 'node:timers/promises';
import { logObject } from '../gateway/log-objects.ts';
import { createRuntime } from '../runtime.ts';
import type { LogEntry, LogFilter } from '../store/log-store.ts';
import { RUNTIME_OPTIONS, text, type Command } from './command.ts';
import { formatTable } from './print-table.ts';
import { runtimeOptions } from './runtime-options.ts';

const FOLLOW_EVERY_MS = 1000;
const HEADER = ['TIME', 'GATEWAY', 'MODEL', 'STATUS', 'TOKENS', 'COST', 'LATENCY', 'CACHE'];

function row(entry: LogEntry): string[] {
  return [
    new Date(entry.createdAt).toISOString().replace('T', ' ').slice(0, 19),
    entry.gateway,
    entry.model ?? '-',
    entry.status ? `${entry.statusCode} ${entry.status}` : String(entry.statusCode),
    `${entry.tokensIn}/${entry.tokensOut}`,
    `$${entry.cost.toFixed(6)}`,
    `${entry.durationMs} ms`,
    entry.cacheStatus ?? '-',
  ];
}

export const logsCommand: Command = {
  summary: 'Shows the gateway logs, newest last; --follow keeps printing new requests as they arrive.',
  usage: 'portico logs [--limit 20] [--follow] [--json] [--gateway ID] [--model ID] [--errors]',
  options: {
    ...RUNTIME_OPTIONS,
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
    gateway: { type: 'string' },
    model: { type: 'string' },
    errors: { type: 'boolean' },
  },
  async run(_positionals, values) {
    const limit = Number(text(values, 'limit') ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      process.stderr.write('--limit takes a whole number from 1 to 100\n');
      return 2;
    }
    const gateway = text(values, 'gateway');
    const model = text(values, 'model');
    const filter: LogFilter = {
      ...(gateway ? { gateway } : {}),
      ...(model ? { model } : {}),
      ...(values.errors ? { success: false } : {}),
    };
    const runtime = await createRuntime({ ...runtimeOptions(values), recover: false });
    const print = (entries: LogEntry[], header: boolean) => {
      if (values.json)
        for (const entry of entries) process.stdout.write(`${JSON.stringify(logObject(entry, false))}\n`);
      else if (entries.length > 0) {
        const table = formatTable(HEADER, entries.map(row)).split('\n');
        process.stdout.write(`${(header ? table : table.slice(1)).join('\n')}`);
      }
    };
    try {
      let { cursor } = await runtime.stores.logs.tail(filter, undefined, 0);
      const newest = await runtime.stores.logs.query(filter, { limit, order: 'desc' });
      const shown = newest.data.reverse();
      print(shown, true);
      if (!values.follow) return 0;
      let header = shown.length === 0;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      while (!stop.signal.aborted) {
        await sleep(FOLLOW_EVERY_MS, undefined, { signal: stop.signal }).catch(() => undefined);
        const page = await runtime.stores.logs.tail(filter, cursor, 100);
        cursor = page.cursor;
        if (page.data.length > 0) {
          print(page.data, header);
          header = false;
        }
      }
      return 0;
    } finally {
      await runtime.close();
    }
  },
};

import { z } from 'zod';
import { badRequest } from './errors.ts';
import { FILTER_VALUES_MAX, FILTERS_MAX, LogFilterSpecs, type LogFilterSpec } from './log-conditions.ts';
import { parseBody } from './request.ts';

const DOTTED = /^filters\.(key|operator|value)$/;
const BRACKETED = /^filters\[(\d{1,3})\]\[(key|operator|value)\](?:\[\d{0,3}\])?$/;

/**
 * A log query string's parameters apart from its `filters`, and those filters, which arrive in
 * one of three spellings: Cloudflare's SDK repeats `filters.key`, `filters.operator` and
 * `filters.value` in order (each `filters.key` begins the next filter); form encoders index
 * them (`filters[0][key]`, `filters[0][value][0]`); and `filters` may be a JSON array.
 */
export function splitLogQuery(url: string): { rest: Record<string, string>; filters?: LogFilterSpec[] } {
  const rest: Record<string, string> = {};
  const dotted: Array<Record<string, unknown>> = [];
  const indexed = new Map<number, Record<string, unknown>>();
  let json: unknown;
  const add = (filter: Record<string, unknown>, part: string, value: string) => {
    if (part === 'value') {
      const values = (filter.value ??= []) as string[];
      if (values.length >= FILTER_VALUES_MAX) throw tooMany();
      values.push(value);
    } else filter[part] = value;
  };
  for (const [name, value] of new URL(url).searchParams) {
    const dot = DOTTED.exec(name);
    const bracket = BRACKETED.exec(name);
    if (name === 'filters') json = parseJson(value);
    else if (dot) {
      if (dot[1] === 'key') {
        if (dotted.length >= FILTERS_MAX) throw tooMany();
        dotted.push({});
      }
      const filter = dotted.at(-1);
      if (!filter) throw badRequest(name, `Invalid '${name}': it comes after the filters.key it belongs to.`);
      add(filter, dot[1]!, value);
    } else if (bracket) {
      const index = Number(bracket[1]);
      if (!indexed.has(index) && indexed.size >= FILTERS_MAX) throw tooMany();
      const filter = indexed.get(index) ?? {};
      indexed.set(index, filter);
      add(filter, bracket[2]!, value);
    } else rest[name] = value;
  }
  const spellings = [json, dotted.length ? dotted : undefined, indexed.size ? indexed : undefined];
  if (spellings.filter((spelling) => spelling !== undefined).length > 1)
    throw badRequest(
      'filters',
      'Send filters in one spelling: JSON, filters.key=..., or filters[0][key]=....',
    );
  const raw =
    json ??
    (dotted.length
      ? dotted
      : indexed.size
        ? [...indexed.entries()].sort(([a], [b]) => a - b).map(([, f]) => f)
        : undefined);
  if (raw === undefined) return { rest };
  return { rest, filters: parseBody(FILTERS, { filters: raw }).filters };
}

const FILTERS = z.strictObject({ filters: LogFilterSpecs });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('filters', `Invalid 'filters': not a JSON array of {key, operator, value}.`);
  }
}

function tooMany() {
  return badRequest(
    'filters',
    `filters has at most ${FILTERS_MAX} filters of ${FILTER_VALUES_MAX} values each.`,
  );
}

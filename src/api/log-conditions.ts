import { z } from 'zod';
import { badRequest } from './errors.ts';
import { clip } from './limits.ts';

/** What a structured filter reads of an entry. */
export type LogConditionField =
  | 'id'
  | 'created_at'
  | 'request_content_type'
  | 'response_content_type'
  | 'success'
  | 'cached'
  | 'provider'
  | 'model'
  | 'model_type'
  | 'cost'
  | 'tokens'
  | 'tokens_in'
  | 'tokens_out'
  | 'duration'
  | 'feedback'
  | 'event_id'
  | 'metadata.key'
  | 'metadata.value'
  | 'prompt_id'
  | 'prompt_version'
  | 'authentication'
  | 'wholesale'
  | 'compatibilityMode'
  | 'dlp_action';

export type LogConditionValue = string | number | boolean | null;

/**
 * One structured filter: `eq` any of the values, `neq` none of them, `contains` any of them as a
 * part (case-insensitive), `lt` / `gt` than the one value. Times are milliseconds since the epoch.
 */
export interface LogCondition {
  field: LogConditionField;
  operator: 'eq' | 'neq' | 'contains' | 'lt' | 'gt';
  values: LogConditionValue[];
}

/** Bounds on Cloudflare's `filters`: how many, how many values each, how long a text value. */
export const FILTERS_MAX = 20;
export const FILTER_VALUES_MAX = 50;
const VALUE_CHARS = 512;

/** One of Cloudflare's `filters`, as sent (query strings send every value as text). */
export const LogFilterSpec = z.strictObject({
  key: z.string().max(64),
  operator: z.string().max(16),
  value: z
    .array(z.union([z.string().max(VALUE_CHARS), z.number(), z.boolean(), z.null()]))
    .min(1, 'value needs at least one value')
    .max(FILTER_VALUES_MAX, `value has at most ${FILTER_VALUES_MAX} values`),
});
export type LogFilterSpec = z.output<typeof LogFilterSpec>;

export const LogFilterSpecs = z
  .array(LogFilterSpec)
  .max(FILTERS_MAX, `filters has at most ${FILTERS_MAX} filters`);

type Kind = 'text' | 'number' | 'time' | 'truth' | 'feedback';

const KINDS: Record<LogConditionField, Kind> = {
  id: 'text',
  created_at: 'time',
  request_content_type: 'text',
  response_content_type: 'text',
  success: 'truth',
  cached: 'truth',
  provider: 'text',
  model: 'text',
  model_type: 'text',
  cost: 'number',
  tokens: 'number',
  tokens_in: 'number',
  tokens_out: 'number',
  duration: 'number',
  feedback: 'feedback',
  event_id: 'text',
  'metadata.key': 'text',
  'metadata.value': 'text',
  prompt_id: 'text',
  prompt_version: 'text',
  authentication: 'truth',
  wholesale: 'truth',
  compatibilityMode: 'truth',
  dlp_action: 'text',
};

/** Cloudflare's keys Portico keeps nothing for: a 400 that says so, never an empty list. */
const UNANSWERABLE: Record<string, string> = {
  request_type: 'Portico does not record a request type',
  user_agent: 'Portico does not record the user agent of a request',
};

const OPERATORS: Record<Kind, readonly LogCondition['operator'][]> = {
  text: ['eq', 'neq', 'contains'],
  number: ['eq', 'neq', 'lt', 'gt'],
  time: ['eq', 'neq', 'lt', 'gt'],
  truth: ['eq', 'neq'],
  feedback: ['eq', 'neq', 'lt', 'gt'],
};

/** Cloudflare's `filters` as store conditions; a bad one is a 400 naming `filters[i]` and what is wrong. */
export function logConditions(specs: readonly LogFilterSpec[], param = 'filters'): LogCondition[] {
  return specs.map((spec, index) => {
    const at = `${param}[${index}]`;
    if (spec.key in UNANSWERABLE)
      throw badRequest(`${at}.key`, `${UNANSWERABLE[spec.key]}, so it cannot filter on '${spec.key}'.`);
    if (!Object.hasOwn(KINDS, spec.key))
      throw badRequest(
        `${at}.key`,
        `Invalid '${at}.key': '${clip(spec.key)}' is not a log filter key; one of ${Object.keys(KINDS).join(', ')}.`,
      );
    const field = spec.key as LogConditionField;
    const kind = KINDS[field];
    const operator = spec.operator as LogCondition['operator'];
    if (!OPERATORS[kind].includes(operator))
      throw badRequest(
        `${at}.operator`,
        `Invalid '${at}.operator': '${clip(spec.operator)}' does not apply to ${field}; use ${OPERATORS[kind].join(', ')}.`,
      );
    if ((operator === 'lt' || operator === 'gt') && spec.value.length !== 1)
      throw badRequest(`${at}.value`, `Invalid '${at}.value': ${operator} compares with exactly one value.`);
    const values = spec.value.map((value) => {
      const converted = conditionValue(kind, value);
      if (converted === undefined || (converted === null && (operator === 'lt' || operator === 'gt')))
        throw badRequest(
          `${at}.value`,
          `Invalid '${at}.value': ${JSON.stringify(clip(String(value)))} is not ${EXPECTED[kind]}.`,
        );
      return converted;
    });
    return { field, operator, values };
  });
}

const EXPECTED: Record<Kind, string> = {
  text: 'text',
  number: 'a number',
  time: 'a time (seconds since the epoch or an ISO 8601 date)',
  truth: 'true or false',
  feedback: '-1, 0 (both thumbs down), 1 or null (none)',
};

/**
 * A value as its field holds it, or undefined when it cannot be one. Query strings carry every
 * value as text, so numbers and truths are read from text too; an empty text is null there.
 */
function conditionValue(kind: Kind, value: LogConditionValue): LogConditionValue | undefined {
  if (value === null || value === '') return kind === 'truth' ? undefined : null;
  switch (kind) {
    case 'text':
      return String(value);
    case 'truth':
      return value === true || value === 'true'
        ? true
        : value === false || value === 'false'
          ? false
          : undefined;
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      return Number.isFinite(number) ? number : undefined;
    }
    case 'feedback': {
      const number = Number(value);
      // Cloudflare's list took 0 and 1 for feedback before -1 and 1: 0 is a thumbs down.
      return typeof value === 'boolean'
        ? undefined
        : number === 1
          ? 1
          : number === 0 || number === -1
            ? -1
            : undefined;
    }
    case 'time': {
      if (typeof value === 'boolean') return undefined;
      const ms =
        typeof value === 'number' || /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
      return Number.isFinite(ms) ? ms : undefined;
    }
  }
}

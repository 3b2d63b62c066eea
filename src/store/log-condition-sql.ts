import type { LogSqlDialect } from './log-sql-dialect.ts';
import type { LogCondition, LogConditionField, LogConditionValue } from './log-store.ts';

type Bind = (value: unknown) => string;

/** What a field is, as SQL: a value compared, a truth, or the metadata rows. */
type FieldSql =
  | { kind: 'value'; sql: (d: LogSqlDialect) => string; text?: boolean }
  | { kind: 'truth'; sql: (d: LogSqlDialect) => string }
  | { kind: 'metadata'; column: 'k' | 'v' };

const TEXT = (sql: (d: LogSqlDialect) => string): FieldSql => ({ kind: 'value', sql, text: true });
const NUMBER = (sql: (d: LogSqlDialect) => string): FieldSql => ({ kind: 'value', sql });

const FIELDS: Record<LogConditionField, FieldSql> = {
  id: TEXT(() => 'id'),
  created_at: NUMBER(() => 'created_at'),
  // Portico's requests and answers are JSON, or an event stream once a stream began (log-objects.ts).
  request_content_type: TEXT(() => `CAST('application/json' AS TEXT)`),
  response_content_type: TEXT(
    (d) =>
      `(CASE WHEN coalesce(${d.jsonBool('stream')}, FALSE) AND ${d.jsonText('status')} IS NOT NULL
        THEN 'text/event-stream' ELSE 'application/json' END)`,
  ),
  success: { kind: 'truth', sql: () => 'success' },
  cached: { kind: 'truth', sql: () => `coalesce(cache_status = 'HIT', FALSE)` },
  provider: TEXT(() => 'provider'),
  model: TEXT(() => 'model'),
  // Entries written before model types were recorded were all generations (log-rows.ts).
  model_type: TEXT((d) => `coalesce(${d.jsonText('modelType')}, 'Text Generation')`),
  cost: NUMBER(() => 'cost'),
  tokens: NUMBER(() => '(tokens_in + tokens_out)'),
  tokens_in: NUMBER(() => 'tokens_in'),
  tokens_out: NUMBER(() => 'tokens_out'),
  duration: NUMBER(() => 'duration_ms'),
  feedback: NUMBER((d) => d.jsonNumber('feedback')),
  event_id: TEXT(() => 'event_id'),
  'metadata.key': { kind: 'metadata', column: 'k' },
  'metadata.value': { kind: 'metadata', column: 'v' },
  // The stored prompt that served it (log-request.ts), null without one.
  prompt_id: TEXT((d) => d.jsonText('prompt.id')),
  prompt_version: TEXT((d) => d.jsonText('prompt.version')),
  // A request that named a key; an open gateway's are anonymous.
  authentication: { kind: 'truth', sql: () => 'key_id IS NOT NULL' },
  // Portico always sends the provider's own key: no request is billed wholesale.
  wholesale: { kind: 'truth', sql: () => 'FALSE' },
  // Cloudflare's one OpenAI-compatible endpoint for every provider (routes/ai-gateway.ts).
  compatibilityMode: {
    kind: 'truth',
    sql: (d) => `coalesce(${d.contains(d.jsonText('path'), `'/compat/'`)}, FALSE)`,
  },
  // What the gateway's DLP policy did (`FLAG` or `BLOCK`), null where it found nothing.
  dlp_action: TEXT((d) => d.jsonText('dlp.action')),
};

/** A structured filter as a SQL condition (values checked by api/log-conditions.ts). */
export function logConditionSql(condition: LogCondition, dialect: LogSqlDialect, bind: Bind): string {
  const field = FIELDS[condition.field];
  const { operator, values } = condition;
  if (field.kind === 'truth') {
    const wanted = new Set(values.map((value) => value === true || value === 'true'));
    const truth = `(${field.sql(dialect)})`;
    const eq = wanted.size === 2 ? 'TRUE' : wanted.has(true) ? truth : `NOT ${truth}`;
    return operator === 'neq' ? `NOT ${eq}` : eq;
  }
  if (field.kind === 'metadata') {
    const rows = `(${dialect.metadataRows}) AS metadata`;
    const match = matchSql(
      field.column,
      true,
      'contains' === operator ? 'contains' : 'eq',
      values,
      dialect,
      bind,
    );
    const exists = `EXISTS (SELECT 1 FROM ${rows} WHERE ${match})`;
    return operator === 'neq' ? `NOT ${exists}` : exists;
  }
  const sql = field.sql(dialect);
  if (operator === 'lt' || operator === 'gt')
    return `${sql} ${operator === 'lt' ? '<' : '>'} ${bind(values[0])}`;
  const match = matchSql(
    sql,
    field.text === true,
    operator === 'contains' ? 'contains' : 'eq',
    values,
    dialect,
    bind,
  );
  return operator === 'neq' ? `NOT coalesce(${match}, FALSE)` : match;
}

/** `sql` equal to any value (null: is null), or holding any value as a part. */
function matchSql(
  sql: string,
  text: boolean,
  how: 'eq' | 'contains',
  values: readonly LogConditionValue[],
  dialect: LogSqlDialect,
  bind: Bind,
): string {
  const bound = (value: LogConditionValue) => (text ? dialect.text(bind(String(value))) : bind(value));
  const present = values.filter((value) => value !== null);
  const clauses =
    how === 'contains'
      ? present.map((value) => dialect.contains(sql, bound(value)))
      : present.length
        ? [`${sql} IN (${present.map(bound).join(', ')})`]
        : [];
  if (values.includes(null)) clauses.push(`${sql} IS NULL`);
  return clauses.length ? `(${clauses.join(' OR ')})` : 'FALSE';
}

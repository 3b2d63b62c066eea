import { dollar } from './postgres-query.ts';

/**
 * What the log filters need to say differently to SQLite and PostgreSQL: placeholders, fields
 * of the JSON summary (`entry_json`), the metadata as rows, text matching and the word search
 * (SQLite's FTS5 table, PostgreSQL's tsvector column).
 */
export interface LogSqlDialect {
  placeholder(index: number): string;
  /** A summary field (`prompt.id`: a field of one) as text, a number, a truth value. */
  jsonText(field: string): string;
  jsonNumber(field: string): string;
  jsonBool(field: string): string;
  /** A subquery of the entry's metadata: columns `k` (key) and `v` (the value as text, null for null). */
  metadataRows: string;
  /** A metadata key's value as text (`true` and `false` as JSON spells them), null where absent; `key` is checked safe. */
  metadataText(key: string): string;
  /** A bound value as text, where the backend needs to be told. */
  text(bound: string): string;
  /** True when `text` holds `part`, ASCII letters in either case. */
  contains(text: string, part: string): string;
  /** The clause finding entries with every word, given the bound query (`searchQuery`). */
  search(bound: string): string;
  searchQuery(terms: readonly string[]): string;
}

export const SQLITE_LOG_SQL: LogSqlDialect = {
  placeholder: () => '?',
  jsonText: (field) => `json_extract(entry_json, '$.${field}')`,
  jsonNumber: (field) => `json_extract(entry_json, '$.${field}')`,
  jsonBool: (field) => `json_extract(entry_json, '$.${field}')`,
  // json_each gives true and false as 1 and 0: spelled as JSON spells them, as PostgreSQL does.
  metadataRows: `SELECT key AS k, CASE type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
    ELSE CAST(value AS TEXT) END AS v FROM json_each(entry_json, '$.metadata')`,
  metadataText: (key) => `CASE json_type(entry_json, '$.metadata."${key}"') WHEN 'true' THEN 'true'
    WHEN 'false' THEN 'false' ELSE CAST(json_extract(entry_json, '$.metadata."${key}"') AS TEXT) END`,
  text: (bound) => bound,
  contains: (text, part) => `instr(lower(${text}), lower(${part})) > 0`,
  search: (bound) => `rowid IN (SELECT rowid FROM log_search WHERE log_search MATCH ${bound})`,
  // Each word quoted (it holds only letters and digits) and matched as a prefix; all must match.
  searchQuery: (terms) => terms.map((term) => `"${term}"*`).join(' '),
};

/**
 * SQLite for a search most entries match: `+rowid` keeps the planner from fetching every match
 * by rowid and sorting them, so it walks the time index and looks each entry up in the matches.
 */
export const SQLITE_BROAD_SEARCH_SQL: LogSqlDialect = {
  ...SQLITE_LOG_SQL,
  search: (bound) => `+rowid IN (SELECT rowid FROM log_search WHERE log_search MATCH ${bound})`,
};

/** A summary field as PostgreSQL reads it as text: `-> 'prompt' ->> 'id'` for `prompt.id`. */
function postgresField(field: string): string {
  const names = field.split('.');
  const last = names.pop()!;
  return `(entry_json::json${names.map((name) => ` -> '${name}'`).join('')} ->> '${last}')`;
}

export const POSTGRES_LOG_SQL: LogSqlDialect = {
  placeholder: dollar,
  // json, not jsonb: reading one field of the text is cheaper than building the whole jsonb.
  jsonText: postgresField,
  jsonNumber: (field) => `${postgresField(field)}::float8`,
  jsonBool: (field) => `${postgresField(field)}::boolean`,
  metadataRows: `SELECT key AS k, value AS v FROM json_each_text(entry_json::json -> 'metadata')`,
  metadataText: (key) => `(entry_json::json -> 'metadata' ->> '${key}')`,
  text: (bound) => `CAST(${bound} AS TEXT)`,
  contains: (text, part) => `strpos(lower(${text}), lower(${part})) > 0`,
  search: (bound) => `search @@ to_tsquery('simple', ${bound})`,
  searchQuery: (terms) => terms.map((term) => `${term}:*`).join(' & '),
};

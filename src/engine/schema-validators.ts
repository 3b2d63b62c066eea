import type Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { linearRegExp } from '../api/linear-regexp.ts';
import { STRICT_FORMATS } from './strict-formats.ts';

/** Compiled validators kept for reuse; the least recently used one is dropped past this many. */
export const MAX_CACHED_VALIDATORS = 256;

let instance: Ajv2020.default | undefined;

/**
 * The one ajv instance, loaded and made at the first schema (not at start, where loading it
 * cost ~45 ms).
 * `strict: false` lets annotations (`examples`, `deprecated`) through; `addUsedSchema: false`
 * keeps a client's `$id` from colliding with another request's; no logger, no console output;
 * `pattern`s run on RE2 only (linear-regexp.ts).
 */
function ajv(): Ajv2020.default {
  if (instance) return instance;
  const loaded = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof Ajv2020;
  instance = new loaded.default({
    strict: false,
    allErrors: false,
    addUsedSchema: false,
    logger: false,
    code: { regExp: linearRegExp },
  });
  for (const [name, check] of Object.entries(STRICT_FORMATS)) instance.addFormat(name, check);
  return instance;
}

interface Cached {
  validate: ValidateFunction;
  /** The object ajv compiled, so that ajv can forget it when it leaves this cache. */
  compiled: object;
}

const cache = new Map<string, Cached>();

/** A schema as ajv compiles it: the dialect is always 2020-12, whatever `$schema` says. */
function compilable(schema: Record<string, unknown>): Record<string, unknown> {
  if (!('$schema' in schema)) return structuredClone(schema);
  const { $schema: _dialect, ...rest } = schema;
  return structuredClone(rest);
}

/**
 * The validator of a JSON schema, compiled once per distinct schema (by content) and cached,
 * at most MAX_CACHED_VALIDATORS at a time. Throws ajv's error for a schema it cannot compile
 * (a keyword with a value of the wrong type, a `$ref` it cannot resolve).
 */
export function schemaValidator(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.validate;
  }
  const compiled = compilable(schema);
  let validate: ValidateFunction;
  try {
    validate = ajv().compile(compiled);
  } catch (error) {
    ajv().removeSchema(compiled); // ajv keeps what it failed to compile otherwise
    throw error;
  }
  cache.set(key, { validate, compiled });
  if (cache.size > MAX_CACHED_VALIDATORS) {
    const [oldest, entry] = cache.entries().next().value as [string, Cached];
    cache.delete(oldest);
    ajv().removeSchema(entry.compiled);
  }
  return validate;
}

/** How many validators are cached now (for tests of the bound). */
export function cachedValidatorCount(): number {
  return cache.size;
}

/** Why ajv refused a schema, without the stack: its first line. */
export function compileProblem(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? 'invalid schema') : 'invalid schema';
}

export type { ErrorObject };

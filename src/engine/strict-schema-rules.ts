import { jsonPath, type JsonPathSegment } from './json-path.ts';
import { linearPatternProblem } from '../api/linear-regexp.ts';
import { STRICT_FORMATS } from './strict-formats.ts';

/** Where a schema breaks strict mode: the JSON path inside it, the keyword, and what is wrong. */
export interface StrictViolation {
  path: string;
  keyword: string;
  problem: string;
}

/**
 * The size limits OpenAI documents for strict schemas (Structured Outputs, "Supported
 * schemas"): object properties in all, levels of object nesting, the total length of property
 * names, definition names, enum and const values, and enum values in all.
 */
export const STRICT_LIMITS = {
  properties: 5000,
  nesting: 10,
  stringLength: 120_000,
  enumValues: 1000,
  /** A string enum with more values than this may total at most `largeEnumLength` characters. */
  largeEnum: 250,
  largeEnumLength: 15_000,
} as const;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const ANNOTATIONS = [
  'description',
  'title',
  'default',
  'examples',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
];
const ANNOTATION_SET = new Set(ANNOTATIONS);
/** Every keyword OpenAI documents as supported under strict mode; anything else is refused. */
const KEYWORDS = new Set([
  ...ANNOTATIONS,
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
  'definitions',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
]);

const COMPOSITION = 'express the cases with anyOf';
const CLOSED_OBJECT = 'strict objects list every property they may have';
const HINTS: Record<string, string> = {
  oneOf: 'use anyOf instead',
  allOf: 'merge the subschemas into one object',
  not: COMPOSITION,
  if: COMPOSITION,
  then: COMPOSITION,
  else: COMPOSITION,
  dependentRequired: 'make every property required, nullable where it may be absent',
  dependentSchemas: COMPOSITION,
  nullable: 'write the type as ["<type>", "null"]',
  patternProperties: CLOSED_OBJECT,
  propertyNames: CLOSED_OBJECT,
  minProperties: CLOSED_OBJECT,
  maxProperties: CLOSED_OBJECT,
  unevaluatedProperties: 'use "additionalProperties": false',
  prefixItems: 'tuples are not supported: use an object with named properties',
  unevaluatedItems: 'give arrays a single "items" schema',
};

/** Whether `pattern` is a valid JavaScript regular expression, as JSON Schema's patterns are. */
function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

class Violation extends Error {
  constructor(readonly found: StrictViolation) {
    super(found.problem);
  }
}

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: readonly JsonPathSegment[], keyword: string, problem: string): never {
  throw new Violation({ path: jsonPath(path), keyword, problem });
}

/** Walks one schema document, counting what the limits count. */
class StrictWalk {
  private properties = 0;
  private enumValues = 0;
  private stringLength = 0;

  constructor(private readonly root: Schema) {}

  run(): void {
    const type = this.root.type;
    if ('anyOf' in this.root) fail([], 'anyOf', 'the root must be an object schema, not anyOf');
    if (type !== 'object') fail([], 'type', 'the root must be a schema with "type": "object"');
    this.visit(this.root, [], 0);
    const at = [] as const;
    if (this.properties > STRICT_LIMITS.properties)
      fail(
        at,
        'properties',
        `${this.properties} object properties in all; the limit is ${STRICT_LIMITS.properties}`,
      );
    if (this.enumValues > STRICT_LIMITS.enumValues)
      fail(at, 'enum', `${this.enumValues} enum values in all; the limit is ${STRICT_LIMITS.enumValues}`);
    if (this.stringLength > STRICT_LIMITS.stringLength)
      fail(
        at,
        'properties',
        `property names, definition names, enum and const values total ${this.stringLength} characters; the limit is ${STRICT_LIMITS.stringLength}`,
      );
  }

  private visit(schema: unknown, path: JsonPathSegment[], depth: number): void {
    if (!isSchema(schema)) fail(path, 'type', 'must be a schema object');
    for (const keyword of Object.keys(schema)) {
      if (KEYWORDS.has(keyword) || (keyword === '$schema' && path.length === 0)) continue;
      const hint = HINTS[keyword];
      fail(path, keyword, `'${keyword}' is not supported in strict mode${hint ? `: ${hint}` : ''}`);
    }
    for (const key of ['$defs', 'definitions'] as const) this.definitions(schema, key, path, depth);
    if ('$ref' in schema) return this.reference(schema, path);

    const types = this.types(schema, path);
    if ('anyOf' in schema) {
      const branches = schema.anyOf;
      if (!Array.isArray(branches) || branches.length === 0)
        fail(path, 'anyOf', 'must be a non-empty list of schemas');
      branches.forEach((branch, index) => this.visit(branch, [...path, 'anyOf', index], depth));
    }
    if ('enum' in schema) this.enumeration(schema.enum, path);
    if ('const' in schema && typeof schema.const === 'string') this.stringLength += schema.const.length;
    if (types.length === 0 && !('anyOf' in schema) && !('enum' in schema) && !('const' in schema))
      fail(path, 'type', 'every schema needs a "type" (or anyOf, enum, const or $ref)');
    if (types.includes('object') || 'properties' in schema) this.object(schema, path, depth + 1);
    if (types.includes('array') || 'items' in schema) {
      if (!('items' in schema)) fail(path, 'items', 'an array schema needs "items"');
      this.visit(schema.items, [...path, 'items'], depth);
    }
    if ('format' in schema && !(typeof schema.format === 'string' && schema.format in STRICT_FORMATS))
      fail(
        path,
        'format',
        `format ${JSON.stringify(schema.format)} is not supported in strict mode; supported: ${Object.keys(STRICT_FORMATS).join(', ')}`,
      );
    if ('pattern' in schema) this.pattern(schema.pattern, path);
  }

  private types(schema: Schema, path: JsonPathSegment[]): string[] {
    if (!('type' in schema)) return [];
    const list = Array.isArray(schema.type) ? schema.type : [schema.type];
    for (const type of list)
      if (typeof type !== 'string' || !TYPES.has(type))
        fail(path, 'type', `${JSON.stringify(type)} is not a type; use ${[...TYPES].join(', ')}`);
    if (list.length === 0 || new Set(list).size !== list.length)
      fail(path, 'type', 'must be a type or a list of distinct types');
    return list as string[];
  }

  private object(schema: Schema, path: JsonPathSegment[], depth: number): void {
    if (depth > STRICT_LIMITS.nesting)
      fail(
        path,
        'type',
        `objects nest ${depth} levels deep here; strict mode allows ${STRICT_LIMITS.nesting}`,
      );
    if (schema.additionalProperties !== false)
      fail(path, 'additionalProperties', 'must be false on every object in strict mode');
    const properties = schema.properties ?? {};
    if (!isSchema(properties)) fail(path, 'properties', 'must be an object of schemas');
    const required = schema.required ?? [];
    if (!Array.isArray(required)) fail(path, 'required', 'must be a list of property names');
    const names = Object.keys(properties);
    const listed = new Set<unknown>(required);
    for (const name of names) {
      if (!listed.has(name))
        fail(
          path,
          'required',
          `property '${name}' is missing from "required": strict mode requires every property; make an optional one nullable, e.g. "type": ["string", "null"]`,
        );
    }
    for (const name of required)
      if (typeof name !== 'string' || !(name in properties))
        fail(path, 'required', `names ${JSON.stringify(name)}, which is not in "properties"`);
    this.properties += names.length;
    for (const name of names) {
      this.stringLength += name.length;
      this.visit(properties[name], [...path, 'properties', name], depth);
    }
  }

  private definitions(
    schema: Schema,
    key: '$defs' | 'definitions',
    path: JsonPathSegment[],
    depth: number,
  ): void {
    if (!(key in schema)) return;
    const defs = schema[key];
    if (!isSchema(defs)) fail(path, key, 'must be an object of schemas');
    for (const [name, definition] of Object.entries(defs)) {
      this.stringLength += name.length;
      this.visit(definition, [...path, key, name], depth);
    }
  }

  private reference(schema: Schema, path: JsonPathSegment[]): void {
    const ref = schema.$ref;
    for (const keyword of Object.keys(schema))
      if (
        keyword !== '$ref' &&
        !ANNOTATION_SET.has(keyword) &&
        keyword !== '$defs' &&
        keyword !== 'definitions'
      )
        fail(path, keyword, `"$ref" cannot be combined with '${keyword}'`);
    if (typeof ref !== 'string' || (ref !== '#' && !ref.startsWith('#/')))
      fail(path, '$ref', 'must point inside the schema: "#" or "#/$defs/<name>"');
    let target: unknown = this.root;
    for (const raw of ref.slice(2).split('/').filter(Boolean)) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isSchema(target) ? target[key] : undefined;
    }
    if (!isSchema(target)) fail(path, '$ref', `${JSON.stringify(ref)} points at nothing`);
  }

  private enumeration(values: unknown, path: JsonPathSegment[]): void {
    if (!Array.isArray(values) || values.length === 0) fail(path, 'enum', 'must be a non-empty list');
    this.enumValues += values.length;
    let length = 0;
    for (const value of values) if (typeof value === 'string') length += value.length;
    this.stringLength += length;
    if (values.length > STRICT_LIMITS.largeEnum && length > STRICT_LIMITS.largeEnumLength)
      fail(
        path,
        'enum',
        `more than ${STRICT_LIMITS.largeEnum} string values may total at most ${STRICT_LIMITS.largeEnumLength} characters; these total ${length}`,
      );
  }

  private pattern(pattern: unknown, path: JsonPathSegment[]): void {
    if (typeof pattern !== 'string' || !isRegExp(pattern))
      fail(path, 'pattern', 'must be a valid regular expression');
    const problem = linearPatternProblem(pattern);
    if (problem)
      fail(
        path,
        'pattern',
        `${problem}, which strict mode does not take: a model's strings are checked against patterns in time linear in their length (RE2), and this needs a backtracking engine, whose time can grow exponentially; rewrite the pattern without it`,
      );
  }
}

/**
 * The first way a schema breaks OpenAI's strict-mode rules, or undefined when it keeps them
 * all: the root is an object; every object sets `additionalProperties: false` and lists every
 * property in `required` (optional fields are nullable instead); only supported keywords and
 * formats appear; `$ref` points inside the schema (recursion allowed); the size limits hold.
 */
export function findStrictViolation(schema: unknown): StrictViolation | undefined {
  if (!isSchema(schema)) return { path: '$', keyword: 'type', problem: 'must be a schema object' };
  try {
    new StrictWalk(schema).run();
    return undefined;
  } catch (error) {
    if (error instanceof Violation) return error.found;
    throw error;
  }
}

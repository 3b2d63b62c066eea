import type { GbnfJsonSchema } from 'node-llama-cpp';
import { badRequest } from '../../api/errors.ts';
import { findOneOfOverlap, type ObjectFacts, type SchemaNode as Node } from './one-of-exclusion.ts';

/** Keywords that say nothing about which values are valid: accepted and left out. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$comment',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$schema',
  '$id',
]);
const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'minItems', 'maxItems'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'format'];
const OTHER_KEYWORDS = ['type', 'enum', 'const', 'anyOf', 'oneOf', '$ref', '$defs', 'definitions'];
const KNOWN = new Set([...OBJECT_KEYWORDS, ...ARRAY_KEYWORDS, ...STRING_KEYWORDS, ...OTHER_KEYWORDS]);
const TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
type TypeName = (typeof TYPES)[number];
const FORMATS = new Set(['date-time', 'date', 'time']);
/** The def that stands for the whole schema when it refers to itself with `$ref: "#"`. */
const ROOT_DEF = 'portico-root';

/** Any JSON value: node-llama-cpp has no schema for it, so it is spelled out. */
const ANY_VALUE: Node = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'object', additionalProperties: true },
    { type: 'array' },
  ],
};

/** The supported keywords, for error messages. */
export const SUPPORTED_KEYWORDS = [...KNOWN, 'uniqueItems: false', ...ANNOTATIONS].join(', ');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

function typeOfValue(value: unknown): TypeName | undefined {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as TypeName;
  return undefined;
}

/**
 * Converts a JSON Schema into the subset node-llama-cpp turns into a grammar, refusing (with a
 * 400 naming `param`, the keyword and where it is) anything the grammar could not enforce, so
 * that every output the grammar allows is valid against the original schema. See
 * docs/structured-outputs.md for the subset and how nullable and optional fields are handled.
 */
export function toGbnfJsonSchema(schema: unknown, param: string): GbnfJsonSchema {
  return new SchemaConverter(schema, param).convertRoot() as GbnfJsonSchema;
}

class SchemaConverter {
  private readonly defs: Record<string, unknown>;
  private readonly converted = new Map<string, Node>();
  private readonly facts = new WeakMap<Node, ObjectFacts>();
  /** oneOf lists, checked once every def is converted (a branch may refer to a later def). */
  private readonly oneOfs: { branches: Node[]; at: string[] }[] = [];
  private refersToRoot = false;

  constructor(
    private readonly root: unknown,
    private readonly param: string,
  ) {
    const defs = isObject(root) ? { ...asRecord(root.definitions), ...asRecord(root.$defs) } : {};
    this.defs = defs;
  }

  convertRoot(): Node {
    if (isObject(this.root)) {
      for (const key of ['$defs', 'definitions'])
        if (this.root[key] !== undefined && !isObject(this.root[key]))
          this.fail(key, [], 'must be an object');
    }
    for (const [name, def] of Object.entries(this.defs))
      this.converted.set(name, this.convert(def, ['$defs', name]));
    const node = this.convert(this.root, []);
    if (this.refersToRoot) this.converted.set(ROOT_DEF, node);
    // fromEntries, not assignment: a definition may be named __proto__
    const defs = Object.fromEntries(this.converted) as Record<string, Node>;
    for (const { branches, at } of this.oneOfs) {
      const overlap = findOneOfOverlap(branches, defs, this.facts);
      if (overlap)
        this.fail(
          'oneOf',
          at,
          `has branches ${overlap[0]} and ${overlap[1]} that one value could match both of (local models enforce oneOf only when its branches have different types, different const or enum values, or a property that tells them apart; use anyOf)`,
        );
    }
    if (this.converted.size === 0) return node;
    return this.refersToRoot ? { $ref: `#/$defs/${ROOT_DEF}`, $defs: defs } : { ...node, $defs: defs };
  }

  private fail(keyword: string, at: readonly string[], problem: string): never {
    const where = at.length > 0 ? ` at ${at.join('.')}` : '';
    throw badRequest(
      this.param,
      `Local models cannot enforce this JSON schema: '${keyword}'${where} ${problem}. Supported keywords: ${SUPPORTED_KEYWORDS}.`,
      'unsupported_json_schema',
    );
  }

  private convert(schema: unknown, at: string[]): Node {
    if (schema === true) return ANY_VALUE;
    if (!isObject(schema)) this.fail('schema', at, 'must be an object or true');
    const keys = Object.keys(schema).filter((key) => !ANNOTATIONS.has(key));
    for (const key of keys) {
      if (key === 'uniqueItems' && schema[key] === false) continue;
      if (!KNOWN.has(key)) this.fail(key, at, 'is not supported');
      if ((key === '$defs' || key === 'definitions') && at.length > 0)
        this.fail(key, at, 'is only supported at the root');
    }
    const constraints = keys.filter(
      (key) => key !== '$defs' && key !== 'definitions' && key !== 'uniqueItems',
    );
    for (const only of ['$ref', 'anyOf', 'oneOf'])
      if (constraints.includes(only) && constraints.length > 1)
        this.fail(
          only,
          at,
          `cannot be combined with ${constraints.filter((key) => key !== only).join(', ')}`,
        );
    if (schema.$ref !== undefined) return this.ref(schema.$ref, at);
    if (schema.anyOf !== undefined || schema.oneOf !== undefined) return this.alternatives(schema, at);
    const types = this.types(schema, at);
    if (Object.hasOwn(schema, 'const') || schema.enum !== undefined) return this.literals(schema, types, at);
    if (types.length === 0) return ANY_VALUE;
    const nodes = types.map((type) => this.typed(type, schema, at));
    return nodes.length === 1 ? nodes[0]! : { oneOf: nodes };
  }

  private ref(ref: unknown, at: string[]): Node {
    if (ref === '#') {
      this.refersToRoot = true;
      return { $ref: `#/$defs/${ROOT_DEF}` };
    }
    const match = typeof ref === 'string' ? /^#\/(?:\$defs|definitions)\/([^/~]+)$/.exec(ref) : null;
    if (!match) this.fail('$ref', at, 'must be "#" or "#/$defs/<name>"');
    if (!Object.hasOwn(this.defs, match[1]!))
      this.fail('$ref', at, `names '${match[1]}', which is not in $defs`);
    return { $ref: `#/$defs/${match[1]}` };
  }

  private alternatives(schema: Record<string, unknown>, at: string[]): Node {
    const keyword = schema.anyOf !== undefined ? 'anyOf' : 'oneOf';
    const branches = schema[keyword];
    if (!Array.isArray(branches) || branches.length === 0)
      this.fail(keyword, at, 'must be a non-empty array');
    const nodes = branches.map((branch, index) => this.convert(branch, [...at, `${keyword}[${index}]`]));
    if (keyword === 'oneOf') this.oneOfs.push({ branches: nodes, at });
    return { oneOf: nodes };
  }

  /** The listed types, or those implied by the keywords used when `type` is absent. */
  private types(schema: Record<string, unknown>, at: string[]): TypeName[] {
    const type = schema.type;
    if (type === undefined) {
      const implied: TypeName[] = [];
      if (OBJECT_KEYWORDS.some((key) => Object.hasOwn(schema, key))) implied.push('object');
      if (ARRAY_KEYWORDS.some((key) => Object.hasOwn(schema, key))) implied.push('array');
      if (STRING_KEYWORDS.some((key) => Object.hasOwn(schema, key))) implied.push('string');
      return implied;
    }
    const list = Array.isArray(type) ? type : [type];
    if (list.length === 0) this.fail('type', at, 'must name at least one type');
    for (const name of list)
      if (!TYPES.includes(name as TypeName))
        this.fail('type', at, `has an unknown type ${JSON.stringify(name)}`);
    return [...new Set(list as TypeName[])];
  }

  private literals(schema: Record<string, unknown>, types: TypeName[], at: string[]): Node {
    const keyword = Object.hasOwn(schema, 'const') ? 'const' : 'enum';
    const others = Object.keys(schema).filter(
      (key) =>
        key !== keyword &&
        key !== 'type' &&
        !ANNOTATIONS.has(key) &&
        key !== '$defs' &&
        key !== 'definitions',
    );
    if (others.length > 0) this.fail(keyword, at, `can only be combined with type, not ${others.join(', ')}`);
    const values = keyword === 'const' ? [schema.const] : schema.enum;
    if (!Array.isArray(values) || values.length === 0) this.fail(keyword, at, 'must be a non-empty array');
    for (const value of values)
      if (typeOfValue(value) === undefined)
        this.fail(keyword, at, 'may only hold strings, numbers, booleans and null');
    const allowed = values.filter((value) => {
      const type = typeOfValue(value)!;
      return types.length === 0 || types.includes(type) || (type === 'integer' && types.includes('number'));
    });
    if (allowed.length === 0) this.fail(keyword, at, 'has no value of the given type');
    return allowed.length === 1 ? { const: allowed[0] } : { enum: allowed };
  }

  private typed(type: TypeName, schema: Record<string, unknown>, at: string[]): Node {
    if (type === 'object') return this.object(schema, at);
    if (type === 'array') return this.array(schema, at);
    if (type === 'string') return this.string(schema, at);
    return { type };
  }

  private string(schema: Record<string, unknown>, at: string[]): Node {
    const { minLength, maxLength, format } = schema;
    if (format !== undefined) {
      if (typeof format !== 'string' || !FORMATS.has(format))
        this.fail('format', at, `${JSON.stringify(format)} is not supported (only date-time, date and time)`);
      if (minLength !== undefined || maxLength !== undefined)
        this.fail('format', at, 'cannot be combined with minLength or maxLength');
      return { type: 'string', format };
    }
    if (minLength !== undefined && !isCount(minLength)) this.fail('minLength', at, 'must be a whole number');
    if (maxLength !== undefined && !isCount(maxLength)) this.fail('maxLength', at, 'must be a whole number');
    if (isCount(minLength) && isCount(maxLength) && maxLength < minLength)
      this.fail('maxLength', at, 'is less than minLength');
    return {
      type: 'string',
      ...(minLength !== undefined ? { minLength } : {}),
      ...(maxLength !== undefined ? { maxLength } : {}),
    };
  }

  private object(schema: Record<string, unknown>, at: string[]): Node {
    const { properties = {}, required = [], additionalProperties, minProperties, maxProperties } = schema;
    if (!isObject(properties)) this.fail('properties', at, 'must be an object');
    if (!Array.isArray(required) || required.some((name) => typeof name !== 'string'))
      this.fail('required', at, 'must be an array of property names');
    // fromEntries, not assignment: a property may be named __proto__
    const converted = Object.fromEntries(
      Object.entries(properties).map(([name, value]) => [
        name,
        this.convert(value, [...at, 'properties', name]),
      ]),
    ) as Record<string, Node>;
    for (const name of required as string[])
      if (!Object.hasOwn(converted, name))
        this.fail('required', at, `names '${name}', which is not in properties`);
    const node: Node = { type: 'object', properties: converted };
    if (additionalProperties === true) node.additionalProperties = true;
    else if (additionalProperties !== undefined && additionalProperties !== false)
      node.additionalProperties = this.convert(additionalProperties, [...at, 'additionalProperties']);
    const count = Object.keys(converted).length;
    const extras = node.additionalProperties !== undefined;
    if (minProperties !== undefined) {
      if (!isCount(minProperties)) this.fail('minProperties', at, 'must be a whole number');
      if (minProperties > count && !extras)
        this.fail('minProperties', at, 'asks for more properties than are allowed');
      if (extras) node.minProperties = minProperties;
    }
    if (maxProperties !== undefined) {
      if (!isCount(maxProperties)) this.fail('maxProperties', at, 'must be a whole number');
      if (maxProperties < count)
        this.fail(
          'maxProperties',
          at,
          'is less than the number of properties (all properties are always generated)',
        );
      if (extras) node.maxProperties = maxProperties;
    }
    this.facts.set(node, { closed: additionalProperties === false, required: required as string[] });
    return node;
  }

  private array(schema: Record<string, unknown>, at: string[]): Node {
    const { items, prefixItems, minItems, maxItems } = schema;
    const node: Node = { type: 'array' };
    if (Array.isArray(items)) this.fail('items', at, 'as an array is not supported: use prefixItems');
    if (items === false) {
      if (!Array.isArray(prefixItems)) this.fail('items', at, 'false needs prefixItems');
      node.maxItems = prefixItems.length;
    } else if (items !== undefined) node.items = this.convert(items, [...at, 'items']);
    if (prefixItems !== undefined) {
      if (!Array.isArray(prefixItems)) this.fail('prefixItems', at, 'must be an array');
      node.prefixItems = prefixItems.map((item, index) =>
        this.convert(item, [...at, `prefixItems[${index}]`]),
      );
    }
    const prefix = Array.isArray(prefixItems) ? prefixItems.length : 0;
    if (minItems !== undefined) {
      if (!isCount(minItems)) this.fail('minItems', at, 'must be a whole number');
      node.minItems = minItems;
    }
    if (maxItems !== undefined) {
      if (!isCount(maxItems)) this.fail('maxItems', at, 'must be a whole number');
      if (maxItems < prefix) this.fail('maxItems', at, 'is less than the number of prefixItems');
      node.maxItems = Math.min(maxItems, (node.maxItems as number | undefined) ?? maxItems);
    }
    if (
      node.maxItems !== undefined &&
      ((node.minItems as number | undefined) ?? 0) > (node.maxItems as number)
    )
      this.fail('minItems', at, 'is more than the items allowed');
    return node;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

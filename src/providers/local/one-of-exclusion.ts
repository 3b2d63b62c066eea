/** A converted schema node, in node-llama-cpp's GbnfJsonSchema shape. */
export type SchemaNode = Record<string, unknown>;

/** What the original schema said about an object that its converted node no longer shows. */
export interface ObjectFacts {
  /** `additionalProperties: false`: no other key is valid. */
  closed: boolean;
  required: readonly string[];
}

const ALL_KINDS = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'];
const MAX_DEPTH = 16;

/**
 * A grammar enforces `oneOf` as "any of": a value it generates from one branch must not also
 * match another branch. This finds two branches that could both match, conservatively (when
 * in doubt they overlap), or undefined when every branch excludes every other.
 */
export function findOneOfOverlap(
  branches: readonly SchemaNode[],
  defs: Readonly<Record<string, SchemaNode>>,
  facts: WeakMap<SchemaNode, ObjectFacts>,
): [number, number] | undefined {
  const analysis = new Exclusion(defs, facts);
  for (let i = 0; i < branches.length; i++)
    for (let j = i + 1; j < branches.length; j++)
      if (
        !analysis.excludes(branches[i]!, branches[j]!, 0) ||
        !analysis.excludes(branches[j]!, branches[i]!, 0)
      )
        return [i, j];
  return undefined;
}

function valueKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

class Exclusion {
  constructor(
    private readonly defs: Readonly<Record<string, SchemaNode>>,
    private readonly facts: WeakMap<SchemaNode, ObjectFacts>,
  ) {}

  private resolve(node: SchemaNode, depth = 0): SchemaNode | undefined {
    if (typeof node.$ref !== 'string') return node;
    const name = node.$ref.slice('#/$defs/'.length);
    const def = Object.hasOwn(this.defs, name) ? this.defs[name] : undefined;
    return def && depth < MAX_DEPTH ? this.resolve(def, depth + 1) : undefined;
  }

  /** The JSON types a node's values can have; an integer also counts as a number. */
  private kinds(node: SchemaNode | undefined, depth: number): Set<string> {
    if (!node || depth > MAX_DEPTH) return new Set(ALL_KINDS);
    const resolved = this.resolve(node);
    if (!resolved) return new Set(ALL_KINDS);
    if (Array.isArray(resolved.oneOf))
      return new Set(
        (resolved.oneOf as SchemaNode[]).flatMap((branch) => [...this.kinds(branch, depth + 1)]),
      );
    if (Object.hasOwn(resolved, 'const')) return new Set([valueKind(resolved.const)]);
    if (Array.isArray(resolved.enum)) return new Set(resolved.enum.map(valueKind));
    if (resolved.type === 'number') return new Set(['number', 'integer']);
    return typeof resolved.type === 'string' ? new Set([resolved.type]) : new Set(ALL_KINDS);
  }

  /** The values a node allows when it is made of const and enum only. */
  private literals(node: SchemaNode | undefined): unknown[] | undefined {
    if (!node) return undefined;
    if (Object.hasOwn(node, 'const')) return [node.const];
    if (Array.isArray(node.enum)) return node.enum;
    return undefined;
  }

  /** Whether no value generated from `a` is valid against `b`. */
  excludes(a: SchemaNode, b: SchemaNode, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const left = this.resolve(a);
    const right = this.resolve(b);
    if (!left || !right) return false;
    if (Array.isArray(left.oneOf))
      return (left.oneOf as SchemaNode[]).every((branch) => this.excludes(branch, right, depth + 1));
    if (Array.isArray(right.oneOf))
      return (right.oneOf as SchemaNode[]).every((branch) => this.excludes(left, branch, depth + 1));
    const leftKinds = this.kinds(left, depth);
    const rightKinds = this.kinds(right, depth);
    if (![...leftKinds].some((kind) => rightKinds.has(kind))) return true;
    const leftValues = this.literals(left);
    const rightValues = this.literals(right);
    if (leftValues && rightValues) return !leftValues.some((value) => rightValues.includes(value));
    if (left.type === 'object' && right.type === 'object') return this.objectExcludes(left, right, depth);
    return false;
  }

  /** Every property of `a` is always generated, and no other key unless it allows extras. */
  private objectExcludes(a: SchemaNode, b: SchemaNode, depth: number): boolean {
    const ownA = (a.properties ?? {}) as Record<string, SchemaNode>;
    const ownB = (b.properties ?? {}) as Record<string, SchemaNode>;
    for (const [key, schema] of Object.entries(ownA))
      if (Object.hasOwn(ownB, key) && this.excludes(schema, ownB[key]!, depth + 1)) return true;
    const factsB = this.facts.get(b);
    if (factsB?.closed && Object.keys(ownA).some((key) => !Object.hasOwn(ownB, key))) return true;
    if (a.additionalProperties === undefined && factsB?.required.some((key) => !Object.hasOwn(ownA, key)))
      return true;
    return false;
  }
}

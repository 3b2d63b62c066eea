import { z } from 'zod';
import { LIMITS } from './limits.ts';

/** Operators on one field, MongoDB's spelling: `{"metadata.plan": {"$eq": "free"}}`. */
export const FIELD_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
] as const;
/** Operators over conditions: every one holds, or any one. */
export const LOGICAL_OPERATORS = ['$and', '$or'] as const;

export type ConditionValue = string | number | boolean | null;

/**
 * A route condition: field paths (`metadata.plan`, `temperature`) mapped to a value (equal to
 * it) or to operators, and `$and` / `$or` over lists of conditions; every entry must hold.
 */
export interface RouteCondition {
  [field: string]: unknown;
}

/** `metadata.user_id`, `max_output_tokens`, `reasoning.effort`: names and dots. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;
const MAX_FIELD_CHARS = 128;

type Path = Array<string | number>;

/** A value a condition compares: a string, a number, a boolean or null. */
export function isConditionValue(value: unknown): value is ConditionValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a condition where it is written, each problem at its own path; counts its terms. */
class ConditionCheck {
  terms = 0;
  constructor(private readonly ctx: z.RefinementCtx) {}

  issue(path: Path, message: string): void {
    this.ctx.addIssue({ code: 'custom', path, message });
  }

  condition(value: unknown, path: Path, depth: number): void {
    if (!isObject(value)) return this.issue(path, 'must be an object of fields and operators');
    for (const [key, inner] of Object.entries(value)) {
      if (++this.terms > LIMITS.routeConditionTerms)
        return this.issue(path, `at most ${LIMITS.routeConditionTerms} fields, operators and values in all`);
      if ((LOGICAL_OPERATORS as readonly string[]).includes(key)) this.logical(inner, [...path, key], depth);
      else if (key.startsWith('$'))
        this.issue(
          [...path, key],
          `unknown operator: use a field, or one of ${LOGICAL_OPERATORS.join(', ')}`,
        );
      else if (!FIELD.test(key) || key.length > MAX_FIELD_CHARS)
        this.issue([...path, key], 'a field is a dotted path such as metadata.plan or temperature');
      else this.field(inner, [...path, key]);
    }
  }

  logical(value: unknown, path: Path, depth: number): void {
    if (depth >= LIMITS.routeConditionDepth)
      return this.issue(path, `conditions nest at most ${LIMITS.routeConditionDepth} deep`);
    if (!Array.isArray(value) || value.length === 0)
      return this.issue(path, 'must be a non-empty list of conditions');
    value.forEach((inner, index) => this.condition(inner, [...path, index], depth + 1));
  }

  field(value: unknown, path: Path): void {
    if (isConditionValue(value)) return;
    if (!isObject(value))
      return this.issue(path, 'must be a string, number, boolean or null, or an object of operators');
    for (const [operator, operand] of Object.entries(value)) {
      const at = [...path, operator];
      this.terms += Array.isArray(operand) ? operand.length : 1;
      if (!(FIELD_OPERATORS as readonly string[]).includes(operator))
        this.issue(at, `unknown operator: use one of ${FIELD_OPERATORS.join(', ')}`);
      else if (operator === '$exists') {
        if (typeof operand !== 'boolean') this.issue(at, 'must be true or false');
      } else if (operator === '$in' || operator === '$nin') {
        if (!Array.isArray(operand) || !operand.every(isConditionValue))
          this.issue(at, 'must be a list of strings, numbers, booleans or null');
      } else if (operator === '$eq' || operator === '$ne') {
        if (!isConditionValue(operand)) this.issue(at, 'must be a string, number, boolean or null');
      } else if (typeof operand !== 'number' && typeof operand !== 'string')
        this.issue(at, 'must be a number or a string');
    }
  }
}

export const RouteConditionInput = z.custom<RouteCondition>().superRefine((value, ctx) => {
  new ConditionCheck(ctx).condition(value, [], 0);
});

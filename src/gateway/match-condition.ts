import type { ConditionValue, RouteCondition } from '../api/route-condition.ts';

/** A request field's value by its path, or undefined when the request has none there. */
export type ReadField = (field: string) => ConditionValue | undefined;

/** Ordered comparisons hold between two numbers or two strings, never across kinds. */
function compare(value: unknown, operand: unknown): number | undefined {
  if (typeof value === 'number' && typeof operand === 'number') return value - operand;
  if (typeof value === 'string' && typeof operand === 'string')
    return value < operand ? -1 : value > operand ? 1 : 0;
  return undefined;
}

function holds(operator: string, value: ConditionValue | undefined, operand: unknown): boolean {
  switch (operator) {
    case '$eq':
      return value === operand;
    case '$ne':
      return value !== operand;
    case '$in':
      return value !== undefined && (operand as unknown[]).includes(value);
    case '$nin':
      return value === undefined || !(operand as unknown[]).includes(value);
    case '$exists':
      return (value !== undefined) === operand;
  }
  const order = compare(value, operand);
  if (order === undefined) return false;
  if (operator === '$gt') return order > 0;
  if (operator === '$gte') return order >= 0;
  if (operator === '$lt') return order < 0;
  return order <= 0;
}

/**
 * Whether a request meets a (validated) route condition: every entry holds; a field given a
 * value must equal it; `$and` / `$or` hold for every / some condition in their list.
 */
export function matchesCondition(condition: RouteCondition, read: ReadField): boolean {
  for (const [key, expected] of Object.entries(condition)) {
    if (key === '$and' || key === '$or') {
      const list = expected as RouteCondition[];
      const met =
        key === '$and'
          ? list.every((c) => matchesCondition(c, read))
          : list.some((c) => matchesCondition(c, read));
      if (!met) return false;
      continue;
    }
    const value = read(key);
    if (typeof expected !== 'object' || expected === null) {
      if (value !== expected) return false;
      continue;
    }
    for (const [operator, operand] of Object.entries(expected))
      if (!holds(operator, value, operand)) return false;
  }
  return true;
}

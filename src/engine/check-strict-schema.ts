import { badRequest } from '../api/errors.ts';
import { compileProblem, schemaValidator } from './schema-validators.ts';
import { findStrictViolation } from './strict-schema-rules.ts';

/**
 * What is wrong with a schema under strict mode, as a sentence: the broken rule with its JSON
 * path and keyword, or the validator's own complaint; undefined for a schema strict mode takes.
 */
export function strictSchemaProblem(schema: Record<string, unknown>): string | undefined {
  const violation = findStrictViolation(schema);
  if (violation) return `at ${violation.path}, '${violation.keyword}': ${violation.problem}`;
  try {
    schemaValidator(schema);
  } catch (error) {
    return `it is not a valid JSON schema: ${compileProblem(error)}`;
  }
  return undefined;
}

/**
 * Refuses a schema that strict mode cannot take, with a 400 naming its parameter
 * (`tools[2].parameters`, `text.format.schema`) and saying where inside the schema the problem is.
 */
export function assertStrictSchema(
  schema: Record<string, unknown>,
  where: { param: string; subject: string; code: string },
): void {
  const problem = strictSchemaProblem(schema);
  if (problem === undefined) return;
  throw badRequest(
    where.param,
    `Invalid schema for ${where.subject} in strict mode: ${problem}. Fix the schema, or set "strict": false to use it without strict mode.`,
    where.code,
  );
}

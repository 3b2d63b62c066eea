import { outputText, type OutputItem } from '../api/response.ts';
import type { Turn } from '../providers/provider.ts';
import { pointerToJsonPath } from './json-path.ts';
import { schemaValidator, type ErrorObject } from './schema-validators.ts';

/** What of a turn's output must match a strict schema. */
export interface StrictOutputSpec {
  /** The strict `json_schema` text format, if the turn has one. */
  format: { name: string; schema: Record<string, unknown> } | undefined;
  /** The parameters of each strict function tool, by name. */
  functions: Map<string, Record<string, unknown>>;
}

/** The strict schemas of a turn, or undefined when nothing in it is strict. */
export function strictOutputSpec(turn: Turn): StrictOutputSpec | undefined {
  const format = turn.text.format;
  const strictFormat =
    format?.type === 'json_schema' && format.strict === true
      ? { name: format.name, schema: format.schema }
      : undefined;
  const functions = new Map<string, Record<string, unknown>>();
  for (const tool of turn.tools) {
    const fn = tool as { type: string; name?: string; strict?: boolean | null; parameters?: unknown };
    if (fn.type === 'function' && fn.strict === true && fn.name && typeof fn.parameters === 'object')
      functions.set(fn.name, fn.parameters as Record<string, unknown>);
  }
  return strictFormat || functions.size > 0 ? { format: strictFormat, functions } : undefined;
}

/** ajv's first error as `at $.unit: must be equal to one of the allowed values (enum)`. */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'does not match';
  let at = error.instancePath;
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty) at += `/${params.missingProperty}`;
  if (error.keyword === 'additionalProperties' && params.additionalProperty)
    at += `/${params.additionalProperty}`;
  const rule =
    error.keyword === 'required'
      ? 'is required but missing'
      : error.keyword === 'additionalProperties'
        ? 'is not a property the schema allows'
        : (error.message ?? 'does not match');
  return `at ${pointerToJsonPath(at)}: ${rule} (${error.keyword})`;
}

/** Why a JSON text does not parse or does not match a schema; undefined when it does. */
function mismatch(text: string, schema: Record<string, unknown>): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.trim() === '' ? 'it is empty, not JSON' : 'it is not valid JSON';
  }
  const validate = schemaValidator(schema);
  return validate(value) ? undefined : describe(validate.errors?.[0]);
}

/**
 * Checks a finished response's output against its strict schemas: the text of a strict
 * `json_schema` format must parse and match (unless the model refused or answered only with
 * tool calls), and so must the arguments of every call to a strict function. Returns what broke,
 * naming the schema or tool, the JSON path and the rule; undefined when everything matches.
 */
export function checkStrictOutput(output: readonly OutputItem[], spec: StrictOutputSpec): string | undefined {
  for (const item of output) {
    if (item.type !== 'function_call') continue;
    const call = item as { name: string; call_id: string; arguments: string };
    const schema = spec.functions.get(call.name);
    // Upstreams stream no arguments at all for a call without any (Anthropic's empty tool input).
    const problem = schema && mismatch(call.arguments.trim() === '' ? '{}' : call.arguments, schema);
    if (problem)
      return `The model's arguments for the strict function '${call.name}' (call ${call.call_id}) do not match its parameters: ${problem}.`;
  }
  if (!spec.format) return undefined;
  const messages = output.filter((item) => item.type === 'message');
  const refused = messages.some((item) =>
    (item as { content: Array<{ type: string }> }).content.some((part) => part.type === 'refusal'),
  );
  const callsOnly = messages.length === 0 && output.some((item) => item.type.endsWith('_call'));
  if (refused || callsOnly) return undefined;
  const problem = mismatch(outputText(output), spec.format.schema);
  return problem
    ? `The model's output does not match the strict JSON schema '${spec.format.name}': ${problem}.`
    : undefined;
}

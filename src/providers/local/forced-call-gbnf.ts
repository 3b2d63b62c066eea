import type { GbnfJsonSchema, Llama } from 'node-llama-cpp';
import { gbnfLiteral } from './gbnf-text.ts';
import { jsonSchemaGbnf } from './json-schema-gbnf.ts';
import type { LocalTool } from './select-local-tools.ts';

type FunctionTool = Extract<LocalTool, { kind: 'function' }>;
type CustomTool = Extract<LocalTool, { kind: 'custom' }>;

/** The first line of a custom tool call; its input follows as raw text. */
export function customCallHeader(name: string): string {
  return `{"name": "${name}"}\n`;
}

/** `{"name": <tool>, "arguments": <its parameters>}` for each function tool. */
function callSchema(tools: FunctionTool[]): Record<string, unknown> {
  const envelopes = tools.map((tool) => ({
    type: 'object',
    properties: { name: { const: tool.name }, arguments: tool.parameters },
  }));
  return envelopes.length === 1 ? envelopes[0]! : { oneOf: envelopes };
}

/**
 * The GBNF for an output that is nothing but a call to one of `tools`: a function call as the
 * JSON object `{"name": ..., "arguments": ...}` (node-llama-cpp's grammar for the envelope
 * schema, so the arguments follow the tool's schema), or, when `parallel`, a JSON array of
 * one or more of them; a custom tool call as the line `{"name": "<tool>"}` followed by input
 * that matches the tool's grammar. Parallel calls are only offered when all tools are
 * functions, since a custom call's input runs to the end of the output.
 */
export async function forcedCallGbnf(llama: Llama, tools: LocalTool[], parallel: boolean): Promise<string> {
  const functions = tools.filter((tool): tool is FunctionTool => tool.kind === 'function');
  const customs = tools.filter((tool): tool is CustomTool => tool.kind === 'custom');
  const oneCall = callSchema(functions);
  if (customs.length === 0) {
    const schema = parallel ? { type: 'array', items: oneCall, minItems: 1 } : oneCall;
    return jsonSchemaGbnf(llama, schema as GbnfJsonSchema);
  }
  const rules: string[] = [];
  const alternatives: string[] = [];
  if (functions.length > 0) {
    const json = await jsonSchemaGbnf(llama, oneCall as GbnfJsonSchema);
    rules.push(json.replace(/^root ::= /m, 'function-call ::= '));
    alternatives.push('function-call');
  }
  for (const tool of customs) {
    const input = tool.input!;
    rules.push(
      `${tool.prefix}call ::= ${gbnfLiteral(customCallHeader(tool.name))} ${input.root}`,
      ...input.rules,
    );
    alternatives.push(`${tool.prefix}call`);
  }
  return [`root ::= ${alternatives.join(' | ')}`, ...rules].join('\n');
}

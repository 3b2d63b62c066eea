import type { GbnfJsonSchema } from 'node-llama-cpp';
import { badRequest } from '../../api/errors.ts';
import type { CustomTool, Tool } from '../../api/tools.ts';
import type { Turn } from '../provider.ts';
import { customToolGbnf } from './custom-tool-gbnf.ts';
import { toGbnfJsonSchema } from './json-schema-subset.ts';
import type { GbnfRuleSet } from './lark-to-gbnf.ts';

export type LocalTool =
  | {
      kind: 'function';
      name: string;
      description: string | undefined;
      /** The client's schema, shown to the model. */
      schema: Record<string, unknown> | undefined;
      /** The schema the grammar enforces; `{}` arguments when the tool takes none. */
      parameters: GbnfJsonSchema;
    }
  | {
      kind: 'custom';
      name: string;
      description: string | undefined;
      format: CustomTool['format'];
      /** The grammar its input must match; converted only when the call is forced. */
      input: GbnfRuleSet | undefined;
      /** Prefix of the GBNF rule names of `input`. */
      prefix: string;
    };

/** How the tools take part in a generation. */
export type ToolUse =
  | { mode: 'none' }
  /** The model chooses between answering and calling (node-llama-cpp function calling). */
  | { mode: 'auto'; tools: LocalTool[]; parallel: boolean }
  /** The whole output is a call (or, when `parallel`, a JSON array of calls) to one of `tools`. */
  | { mode: 'forced'; tools: LocalTool[]; parallel: boolean };

const NO_PARAMETERS = { type: 'object', properties: {} };

/**
 * Reads `tool_choice` against the tools: which are offered and whether a call is forced.
 * Schemas and grammars are converted here, so that anything local models cannot enforce is a
 * 400 before generation starts. Tools of other types are left out with a warning.
 */
export function selectLocalTools(
  turn: Pick<Turn, 'tools' | 'toolChoice' | 'parallelToolCalls'>,
  warnings: string[],
): ToolUse {
  const usable: { tool: Extract<Tool, { type: 'function' | 'custom' }>; index: number }[] = [];
  turn.tools.forEach((tool, index) => {
    if (tool.type === 'function' || tool.type === 'custom') usable.push({ tool, index });
    else warnings.push(`${tool.type} tools are not offered to local models`);
  });
  const choice = turn.toolChoice;
  if (choice === 'none' || usable.length === 0) {
    if (choice !== 'none' && choice !== 'auto')
      throw badRequest(
        'tool_choice',
        'tool_choice requires a tool call, but no function or custom tool is defined.',
      );
    return { mode: 'none' };
  }
  let chosen = usable;
  let forced = choice === 'required';
  let named = false;
  if (typeof choice === 'object') {
    if (choice.type === 'function' || choice.type === 'custom') {
      const name = (choice as { name: string }).name;
      chosen = usable.filter(({ tool }) => tool.type === choice.type && tool.name === name);
      forced = named = true;
    } else if (choice.type === 'allowed_tools') {
      const allowed = (choice as { tools: { type: string; name?: unknown }[] }).tools;
      chosen = usable.filter(({ tool }) => allowed.some((a) => a.type === tool.type && a.name === tool.name));
      forced = (choice as { mode: string }).mode === 'required';
    } else throw badRequest('tool_choice', `Local models cannot be made to call a ${choice.type} tool.`);
    if (chosen.length === 0)
      throw badRequest('tool_choice', 'tool_choice names no function or custom tool that is defined.');
  }
  const tools = chosen.map(({ tool, index }) => localTool(tool, index, forced));
  if (!forced) return { mode: 'auto', tools, parallel: turn.parallelToolCalls };
  const parallel = turn.parallelToolCalls && !named && tools.every((tool) => tool.kind === 'function');
  return { mode: 'forced', tools, parallel };
}

function localTool(
  tool: Extract<Tool, { type: 'function' | 'custom' }>,
  index: number,
  forced: boolean,
): LocalTool {
  const description = tool.description ?? undefined;
  if (tool.type === 'function') {
    const schema = tool.parameters ?? undefined;
    const parameters = toGbnfJsonSchema(schema ?? NO_PARAMETERS, `tools[${index}].parameters`);
    return { kind: 'function', name: tool.name, description, schema, parameters };
  }
  const prefix = `c${index}-`;
  const format = tool.format ?? undefined;
  const input = forced ? customToolGbnf(format, prefix, `tools[${index}].format.definition`) : undefined;
  return { kind: 'custom', name: tool.name, description, format, input, prefix };
}

import type { GbnfJsonSchema } from 'node-llama-cpp';
import { badRequest } from '../../api/errors.ts';
import type { Turn } from '../provider.ts';
import { toGbnfJsonSchema } from './json-schema-subset.ts';
import { selectLocalTools, type LocalTool } from './select-local-tools.ts';

/** What a generation must produce, decided (and validated) before anything is generated. */
export type OutputPlan =
  /** Text; `json` is any JSON object, a schema its shape. */
  | { kind: 'text'; format: 'json' | GbnfJsonSchema | undefined }
  | { kind: 'auto'; tools: LocalTool[]; parallel: boolean }
  | { kind: 'forced'; tools: LocalTool[]; parallel: boolean };

/**
 * Reads the tools, `tool_choice` and `text.format` of a turn. A forced call ignores the text
 * format (there is no text); `auto` with a structured format is refused, since node-llama-cpp
 * cannot constrain text with a grammar while it offers functions. `text.verbosity` has no
 * meaning for local models and is ignored.
 */
export function planOutput(turn: Turn, warnings: string[]): OutputPlan {
  const tools = selectLocalTools(turn, warnings);
  if (tools.mode === 'forced') return { kind: 'forced', tools: tools.tools, parallel: tools.parallel };
  const format = turn.text.format;
  const structured = format?.type === 'json_schema' || format?.type === 'json_object';
  if (tools.mode === 'auto') {
    if (structured)
      throw badRequest(
        'text.format',
        `Local models cannot combine tool_choice 'auto' with a ${format.type} text format: set tool_choice to 'none' or 'required'.`,
        'unsupported_parameter',
      );
    return { kind: 'auto', tools: tools.tools, parallel: tools.parallel };
  }
  if (format?.type === 'json_schema')
    return { kind: 'text', format: toGbnfJsonSchema(format.schema, 'text.format.schema') };
  return { kind: 'text', format: format?.type === 'json_object' ? 'json' : undefined };
}

import type { ChatModelFunctionCall } from 'node-llama-cpp';
import type { Item } from '../../api/items.ts';

type CallItem = Extract<Item, { type: 'function_call' | 'custom_tool_call' }>;
type OutputItem = Extract<Item, { type: 'function_call_output' | 'custom_tool_call_output' }>;

const OUTPUT_OF = {
  function_call: 'function_call_output',
  custom_tool_call: 'custom_tool_call_output',
} as const;

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** What the call passed, as node-llama-cpp renders it: parsed arguments, or `{input}` for a custom tool. */
function callParams(call: CallItem): { value: unknown } | undefined {
  return call.type === 'custom_tool_call' ? { value: { input: call.input } } : parseJson(call.arguments);
}

/**
 * Tool calls of a history paired with their outputs, so that each pair renders as one
 * node-llama-cpp function call (name, params and result) in the model's turn, in its chat
 * template's own syntax. A call without an output, with arguments that are not JSON, or an
 * output whose call is not in the history is not paired: those render as readable text.
 */
export class ToolHistory {
  private readonly outputs = new Map<string, OutputItem>();

  constructor(items: readonly Item[]) {
    const calls = new Map<string, CallItem>();
    for (const item of items)
      if (item.type === 'function_call' || item.type === 'custom_tool_call') calls.set(item.call_id, item);
    for (const item of items) {
      if (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output') continue;
      const call = calls.get(item.call_id);
      if (call && OUTPUT_OF[call.type] === item.type && callParams(call) && !this.outputs.has(item.call_id))
        this.outputs.set(item.call_id, item);
    }
  }

  /** The function call entry for a call that has its output, with `result` from `outputText`. */
  functionCall(
    call: CallItem,
    outputText: (output: OutputItem) => string,
  ): ChatModelFunctionCall | undefined {
    const output = this.outputs.get(call.call_id);
    const params = callParams(call);
    if (!output || !params) return undefined;
    const text = outputText(output);
    return {
      type: 'functionCall',
      name: call.name,
      params: params.value,
      result: parseJson(text)?.value ?? text,
    };
  }

  /** Whether an output is shown inside its call's entry (and so not on its own). */
  isPaired(output: OutputItem): boolean {
    return this.outputs.get(output.call_id) === output;
  }
}

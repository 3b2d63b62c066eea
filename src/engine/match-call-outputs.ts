import { badRequest } from '../api/errors.ts';
import type { Item } from '../api/items.ts';

/** The call each kind of tool output answers, and how OpenAI names it in its error. */
const ANSWERS: Record<string, { call: string; name: string }> = {
  function_call_output: { call: 'function_call', name: 'function call output' },
  custom_tool_call_output: { call: 'custom_tool_call', name: 'custom tool call output' },
};

/**
 * Every tool output in this request's input answers a call made before it (in the history or
 * earlier in the input), as OpenAI requires: an output nothing asked for is a 400 naming it,
 * not a context the model reads as an answer to a question it never asked.
 */
export function matchCallOutputs(history: readonly Item[], input: readonly Item[], param = 'input'): void {
  const calls = new Set<string>();
  const note = (item: Item) => {
    if ('call_id' in item && !(item.type in ANSWERS)) calls.add(`${item.type} ${item.call_id}`);
  };
  history.forEach(note);
  input.forEach((item, index) => {
    const answers = ANSWERS[item.type];
    if (answers && 'call_id' in item && !calls.has(`${answers.call} ${item.call_id}`))
      throw badRequest(
        `${param}[${index}].call_id`,
        `No tool call found for ${answers.name} with call_id ${String(item.call_id).slice(0, 64)}.`,
      );
    note(item);
  });
}

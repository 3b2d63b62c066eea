/**
 * The item types every conversation protocol can hold (messages, tool calls and their
 * outputs, reasoning); other items (hosted tool calls, compaction, ...) only an OpenAI
 * Responses upstream can take.
 */
export const CONVERSATION_ITEM_TYPES: ReadonlySet<string> = new Set([
  'message',
  'function_call',
  'custom_tool_call',
  'function_call_output',
  'custom_tool_call_output',
  'reasoning',
]);

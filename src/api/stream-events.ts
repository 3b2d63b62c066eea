import type { OutputTextPart } from './items.ts';
import type { OutputItem, ResponseObject } from './response.ts';

type Part = OutputTextPart | { type: 'refusal'; refusal: string } | { type: 'reasoning_text'; text: string };

/** Events about items Portico passes through from an upstream without running them itself. */
export const NATIVE_ITEM_EVENT_TYPES = [
  'response.output_text.annotation.added',
  'response.web_search_call.in_progress',
  'response.web_search_call.searching',
  'response.web_search_call.completed',
  'response.file_search_call.in_progress',
  'response.file_search_call.searching',
  'response.file_search_call.completed',
  'response.code_interpreter_call.in_progress',
  'response.code_interpreter_call_code.delta',
  'response.code_interpreter_call_code.done',
  'response.code_interpreter_call.interpreting',
  'response.code_interpreter_call.completed',
  'response.image_generation_call.in_progress',
  'response.image_generation_call.generating',
  'response.image_generation_call.partial_image',
  'response.image_generation_call.completed',
  'response.mcp_call.in_progress',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_call.completed',
  'response.mcp_call.failed',
  'response.mcp_list_tools.in_progress',
  'response.mcp_list_tools.completed',
  'response.mcp_list_tools.failed',
] as const;
export type NativeItemEventType = (typeof NATIVE_ITEM_EVENT_TYPES)[number];

interface ItemScoped {
  item_id: string;
  output_index: number;
}

/**
 * The Responses stream events Portico emits. Every event gets `sequence_number` when it is
 * written; the engine is their only producer and `accumulate` their only consumer.
 */
export type ResponseStreamEventBody =
  | { type: 'response.created' | 'response.queued' | 'response.in_progress'; response: ResponseObject }
  | { type: 'response.completed' | 'response.incomplete' | 'response.failed'; response: ResponseObject }
  | {
      type: 'response.output_item.added' | 'response.output_item.done';
      output_index: number;
      item: OutputItem;
    }
  | ({
      type: 'response.content_part.added' | 'response.content_part.done';
      content_index: number;
      part: Part;
    } & ItemScoped)
  | ({
      type: 'response.output_text.delta';
      content_index: number;
      delta: string;
      logprobs: unknown[];
    } & ItemScoped)
  | ({
      type: 'response.output_text.done';
      content_index: number;
      text: string;
      logprobs: unknown[];
    } & ItemScoped)
  | ({ type: 'response.refusal.delta'; content_index: number; delta: string } & ItemScoped)
  | ({ type: 'response.refusal.done'; content_index: number; refusal: string } & ItemScoped)
  | ({
      type: 'response.reasoning_summary_part.added' | 'response.reasoning_summary_part.done';
      summary_index: number;
      part: { type: 'summary_text'; text: string };
    } & ItemScoped)
  | ({ type: 'response.reasoning_summary_text.delta'; summary_index: number; delta: string } & ItemScoped)
  | ({ type: 'response.reasoning_summary_text.done'; summary_index: number; text: string } & ItemScoped)
  | ({ type: 'response.reasoning_text.delta'; content_index: number; delta: string } & ItemScoped)
  | ({ type: 'response.reasoning_text.done'; content_index: number; text: string } & ItemScoped)
  | ({ type: 'response.function_call_arguments.delta'; delta: string } & ItemScoped)
  | ({ type: 'response.function_call_arguments.done'; name: string; arguments: string } & ItemScoped)
  | ({ type: 'response.custom_tool_call_input.delta'; delta: string } & ItemScoped)
  | ({ type: 'response.custom_tool_call_input.done'; input: string } & ItemScoped)
  | { type: 'error'; code: string | null; message: string; param: string | null }
  | ({ type: NativeItemEventType; [field: string]: unknown } & ItemScoped);

export type ResponseStreamEvent = ResponseStreamEventBody & { sequence_number: number };

/**
 * The terminal event of a response that ended as `status`. The Responses API has no event for
 * `cancelled`: a cancelled response stopped early and keeps what it wrote, as an incomplete one
 * does, so its stream ends with `response.incomplete` (the response's own status says
 * `cancelled`). Any other status failed.
 */
export function terminalEventType(
  status: string,
): 'response.completed' | 'response.incomplete' | 'response.failed' {
  return status === 'completed'
    ? 'response.completed'
    : status === 'incomplete' || status === 'cancelled'
      ? 'response.incomplete'
      : 'response.failed';
}

/** An event that ends a response's stream, carrying the response as it ended. */
export type TerminalEvent = Extract<
  ResponseStreamEvent,
  { type: 'response.completed' | 'response.incomplete' | 'response.failed' }
>;

export function isTerminalEvent(event: ResponseStreamEvent): event is TerminalEvent {
  return (
    event.type === 'response.completed' ||
    event.type === 'response.incomplete' ||
    event.type === 'response.failed'
  );
}

import type { OutputItem, OutputMessage, OutputReasoning, ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { cloneJson } from './clone-json.ts';

/**
 * Folds one stream event into the response snapshot: the only place that turns events into
 * a Response. The JSON answer, the stored record and the SDK's view all come from this fold.
 * It updates `snapshot` in place (deltas arrive by the thousand) and returns it. What the
 * snapshot changes in place is copied from the events (the output while it grows, an item
 * or part as it opens); what no later event changes (a finished item or part, the response's
 * settings, the terminal response) is shared with the event that carried it.
 */
export function accumulate(snapshot: ResponseObject | undefined, event: ResponseStreamEvent): ResponseObject {
  switch (event.type) {
    case 'response.created':
    case 'response.queued':
    case 'response.in_progress':
      return { ...event.response, output: cloneJson(event.response.output) };
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      // Nothing follows a terminal event: its response is the snapshot (its JSON made once, response-json.ts).
      return event.response;
  }
  if (!snapshot) throw new Error(`accumulate: ${event.type} before response.created`);
  if (event.type === 'error') return snapshot;
  const output = snapshot.output;
  switch (event.type) {
    case 'response.output_item.added':
      output[event.output_index] = cloneJson(event.item);
      break;
    case 'response.output_item.done':
      output[event.output_index] = event.item;
      break;
    case 'response.content_part.added':
    case 'response.content_part.done': {
      const item = output[event.output_index] as OutputMessage | OutputReasoning;
      const part = event.type === 'response.content_part.added' ? cloneJson(event.part) : event.part;
      if (part.type === 'reasoning_text')
        ((item as OutputReasoning).content ??= [])[event.content_index] = part;
      else (item as OutputMessage).content[event.content_index] = part;
      break;
    }
    case 'response.output_text.delta':
    case 'response.refusal.delta': {
      const part = messagePart(output, event.output_index, event.content_index);
      if (part.type === 'output_text') {
        part.text += event.delta;
        const logprobs = (event as { logprobs?: unknown[] }).logprobs;
        if (logprobs?.length) part.logprobs.push(...(cloneJson(logprobs) as typeof part.logprobs));
      } else part.refusal += event.delta;
      break;
    }
    case 'response.output_text.done': {
      const part = messagePart(output, event.output_index, event.content_index);
      if (part.type === 'output_text') part.text = event.text;
      break;
    }
    case 'response.output_text.annotation.added': {
      const part = messagePart(output, event.output_index, event.content_index as number);
      if (part.type === 'output_text') part.annotations.push(cloneJson(event.annotation) as { type: string });
      break;
    }
    case 'response.refusal.done': {
      const part = messagePart(output, event.output_index, event.content_index);
      if (part.type === 'refusal') part.refusal = event.refusal;
      break;
    }
    case 'response.reasoning_summary_part.added':
    case 'response.reasoning_summary_part.done':
      reasoning(output, event.output_index).summary[event.summary_index] = { ...event.part };
      break;
    case 'response.reasoning_summary_text.delta':
      reasoning(output, event.output_index).summary[event.summary_index]!.text += event.delta;
      break;
    case 'response.reasoning_summary_text.done':
      reasoning(output, event.output_index).summary[event.summary_index]!.text = event.text;
      break;
    case 'response.reasoning_text.delta':
      reasoning(output, event.output_index).content![event.content_index]!.text += event.delta;
      break;
    case 'response.reasoning_text.done':
      reasoning(output, event.output_index).content![event.content_index]!.text = event.text;
      break;
    case 'response.function_call_arguments.delta':
      (output[event.output_index] as { arguments: string }).arguments += event.delta;
      break;
    case 'response.function_call_arguments.done':
      (output[event.output_index] as { arguments: string }).arguments = event.arguments;
      break;
    case 'response.custom_tool_call_input.delta':
      (output[event.output_index] as { input: string }).input += event.delta;
      break;
    case 'response.custom_tool_call_input.done':
      (output[event.output_index] as { input: string }).input = event.input;
      break;
  }
  return snapshot;
}

function messagePart(output: OutputItem[], outputIndex: number, contentIndex: number) {
  return (output[outputIndex] as OutputMessage).content[contentIndex]!;
}

function reasoning(output: OutputItem[], outputIndex: number): OutputReasoning {
  return output[outputIndex] as OutputReasoning;
}

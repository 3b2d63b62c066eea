import type { AnswerBlock, MessageObject } from '../../api/anthropic-answer.ts';
import type {
  OutputFunctionCall,
  OutputItem,
  OutputMessage,
  OutputReasoning,
  ResponseObject,
} from '../../api/response.ts';
import { toolInputObject } from '../../providers/anthropic/build-anthropic-messages.ts';
import { failedResponseError } from '../failed-response-error.ts';
import { anthropicStop } from './anthropic-stop-reason.ts';
import { messageId } from './message-id.ts';
import { messageUsage } from './message-usage.ts';
import { thinkingBlocks } from './thinking-blocks.ts';

/** A function call as a tool_use block; arguments that are not a JSON object (a model's slip) are an empty input. */
export function toolUseBlock(call: OutputFunctionCall): AnswerBlock {
  return {
    type: 'tool_use',
    id: call.call_id,
    name: call.name,
    input: toolInputObject(call.arguments) ?? {},
  };
}

/** An output item as content blocks: text (refusals included), thinking and tool_use; other items have none. */
function answerBlocks(item: OutputItem): AnswerBlock[] {
  switch (item.type) {
    case 'message':
      return (item as OutputMessage).content.flatMap((part): AnswerBlock[] => {
        const text = part.type === 'output_text' ? part.text : part.refusal;
        return text ? [{ type: 'text', text }] : [];
      });
    case 'reasoning':
      return thinkingBlocks(item as OutputReasoning);
    case 'function_call':
      return [toolUseBlock(item as OutputFunctionCall)];
    default:
      return [];
  }
}

/**
 * A finished response as the Messages API's answer, under the model name the client gave; a
 * failed one is thrown as its HTTP error.
 */
export function toAnthropicMessage(response: ResponseObject, model: string): MessageObject {
  const stop = anthropicStop(response);
  if (!stop) throw failedResponseError(response);
  return {
    id: messageId(response.id),
    type: 'message',
    role: 'assistant',
    model,
    content: response.output.flatMap(answerBlocks),
    ...stop,
    usage: messageUsage(response.usage),
  };
}

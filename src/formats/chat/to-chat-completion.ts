import type { ChatCompletion, ChatCompletionMessage, ChatLogprobs } from '../../api/chat-completions.ts';
import type { TokenLogprob } from '../../providers/provider.ts';
import type {
  OutputFunctionCall,
  OutputItem,
  OutputMessage,
  OutputReasoning,
  ResponseObject,
} from '../../api/response.ts';
import { chatCompletionId } from './chat-completion-id.ts';
import { failedResponseError } from '../failed-response-error.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { mapUsage } from './map-usage.ts';

/** The log probabilities of every output_text part, in order. */
function logprobsOf(output: readonly OutputItem[]): ChatLogprobs {
  const content = output.flatMap((item) =>
    item.type === 'message'
      ? (item as OutputMessage).content.flatMap((part) =>
          part.type === 'output_text' ? (part.logprobs as unknown as TokenLogprob[]) : [],
        )
      : [],
  );
  return { content, refusal: null };
}

/**
 * A finished response as the non-streaming chat answer (with its log probabilities when the
 * client asked for them); a failed one is thrown as its HTTP error.
 */
export function toChatCompletion(response: ResponseObject, logprobs = false): ChatCompletion {
  const finishReason = mapFinishReason(response);
  if (!finishReason) throw failedResponseError(response);
  return {
    id: chatCompletionId(response.id),
    object: 'chat.completion',
    created: response.created_at,
    model: response.model,
    choices: [
      {
        index: 0,
        message: toMessage(response.output),
        finish_reason: finishReason,
        logprobs: logprobs ? logprobsOf(response.output) : null,
      },
    ],
    usage: mapUsage(response.usage),
  };
}

function toMessage(output: readonly OutputItem[]): ChatCompletionMessage {
  let text = '';
  let refusal = '';
  let reasoning = '';
  const calls: OutputFunctionCall[] = [];
  for (const item of output) {
    if (item.type === 'message') {
      for (const part of (item as OutputMessage).content)
        if (part.type === 'output_text') text += part.text;
        else refusal += part.refusal;
    } else if (item.type === 'reasoning') {
      const { content, summary } = item as OutputReasoning;
      for (const part of [...(content ?? []), ...summary]) reasoning += part.text;
    } else if (item.type === 'function_call') calls.push(item as OutputFunctionCall);
  }
  return {
    role: 'assistant',
    // As OpenAI answers: no text beside tool calls or a refusal is null, not an empty string.
    content: text || (calls.length > 0 || refusal ? null : ''),
    refusal: refusal || null,
    ...(calls.length > 0
      ? {
          tool_calls: calls.map((call) => ({
            id: call.call_id,
            type: 'function' as const,
            function: { name: call.name, arguments: call.arguments },
          })),
        }
      : {}),
    ...(reasoning ? { reasoning_content: reasoning } : {}),
  };
}

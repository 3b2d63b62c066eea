import type { ChatCompletionRequest } from '../../api/chat-completions.ts';
import type { CreateResponseRequest } from '../../api/request.ts';
import type { InputOrigin } from '../input-origin.ts';
import { toInputItems } from './chat-messages-to-items.ts';
import { toFunctionTool, toToolChoice } from './map-chat-tools.ts';
import { toTextConfig } from './map-response-format.ts';

export interface TranslatedRequest {
  request: CreateResponseRequest;
  /** `stop` as a list, which the Responses request has no field for. */
  stop: string[] | undefined;
  /** For each input item, where it came from in `messages`. */
  origins: InputOrigin[];
}

/**
 * A Chat Completions request as the Responses request the engine runs. Nothing is stored:
 * a chat completion has no response id to continue from.
 */
export function toResponseRequest(chat: ChatCompletionRequest): TranslatedRequest {
  const { items, origins } = toInputItems(chat.messages);
  const request: CreateResponseRequest = {
    model: chat.model,
    input: items,
    store: false,
    stream: chat.stream,
    tools: chat.tools?.map(toFunctionTool),
    tool_choice: toToolChoice(chat.tool_choice),
    parallel_tool_calls: chat.parallel_tool_calls,
    text: toTextConfig(chat.response_format, chat.verbosity),
    reasoning: chat.reasoning_effort != null ? { effort: chat.reasoning_effort } : undefined,
    max_output_tokens: chat.max_completion_tokens ?? chat.max_tokens,
    temperature: chat.temperature,
    top_p: chat.top_p,
    seed: chat.seed,
    include: chat.logprobs ? ['message.output_text.logprobs'] : undefined,
    top_logprobs: chat.logprobs ? chat.top_logprobs : undefined,
    presence_penalty: chat.presence_penalty,
    frequency_penalty: chat.frequency_penalty,
    metadata: chat.metadata,
    user: chat.user,
    safety_identifier: chat.safety_identifier,
    prompt_cache_key: chat.prompt_cache_key,
    prompt_cache_retention:
      chat.prompt_cache_retention === 'in-memory' ? 'in_memory' : chat.prompt_cache_retention,
    service_tier: chat.service_tier,
  };
  const stop = chat.stop == null ? undefined : typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
  return { request, origins, stop };
}

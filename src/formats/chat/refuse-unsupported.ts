import type { ChatCompletionRequest } from '../../api/chat-completions.ts';
import { badRequest } from '../../api/errors.ts';

/**
 * Chat parameters that parse but that Portico cannot honour exactly are refused, never
 * silently ignored; their neutral values (no logit bias, ...) pass.
 */
export function refuseUnsupported(chat: ChatCompletionRequest): void {
  const refuse = (param: string, why: string) =>
    badRequest(param, `Unsupported value for '${param}': ${why}`, 'unsupported_value');

  if (chat.top_logprobs && !chat.logprobs)
    throw badRequest('top_logprobs', "'top_logprobs' needs 'logprobs' set to true.", 'invalid_value');
  if (chat.logit_bias && Object.keys(chat.logit_bias).length > 0)
    throw refuse('logit_bias', 'token biases are not supported.');
  if (chat.store)
    throw refuse('store', 'chat completions are not stored; use /v1/responses for stored state.');
  if (chat.modalities?.some((modality) => modality !== 'text'))
    throw refuse('modalities', "only the 'text' modality is supported.");
  if (chat.max_tokens != null && chat.max_completion_tokens != null)
    throw badRequest(
      'max_tokens',
      "Set either 'max_tokens' or 'max_completion_tokens', not both.",
      'invalid_value',
    );
  if (chat.stream_options != null && !chat.stream)
    throw badRequest(
      'stream_options',
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'invalid_value',
    );
}

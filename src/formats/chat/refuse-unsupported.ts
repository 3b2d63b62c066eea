import type { ChatCompletionRequest } from '../../api/chat-completions.ts';
import { badRequest } from '../../api/errors.ts';

/**
 * Chat parameters that parse but that Portico cannot honour exactly are refused, never
 * silently ignored; their neutral values (n: 1, logprobs: false, penalties of 0, ...) pass.
 */
export function refuseUnsupported(chat: ChatCompletionRequest): void {
  const refuse = (param: string, why: string) =>
    badRequest(param, `Unsupported value for '${param}': ${why}`, 'unsupported_value');

  if (chat.n != null && chat.n !== 1) throw refuse('n', 'only one choice (n: 1) is supported.');
  if (chat.stop != null && chat.stop.length > 0)
    throw refuse(
      'stop',
      'stop sequences are not supported; stop on the client or use max_completion_tokens.',
    );
  if (chat.logprobs) throw refuse('logprobs', 'log probabilities are not supported.');
  if (chat.top_logprobs) throw refuse('top_logprobs', 'log probabilities are not supported.');
  for (const penalty of ['frequency_penalty', 'presence_penalty'] as const)
    if (chat[penalty]) throw refuse(penalty, 'only 0 is supported.');
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

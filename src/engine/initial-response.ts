import type { CreateResponseRequest, PromptMessage } from '../api/request.ts';
import type { ResponseObject } from '../api/response.ts';

/** The Response as it starts: the request's settings echoed, no output yet. */
export function initialResponse(
  id: string,
  createdAt: number,
  model: string,
  request: CreateResponseRequest,
): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    completed_at: null,
    background: request.background ?? false,
    model,
    output: [],
    error: null,
    incomplete_details: null,
    instructions: request.promptMessages
      ? echoedMessages(request.promptMessages)
      : (request.instructions ?? null),
    ...(request.prompt
      ? {
          prompt: {
            id: request.prompt.id,
            version: request.prompt.version ?? null,
            variables: request.prompt.variables ?? null,
          },
        }
      : {}),
    metadata: request.metadata ?? {},
    temperature: request.temperature ?? 1,
    top_p: request.top_p ?? 1,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    previous_response_id: request.previous_response_id ?? null,
    ...(request.conversation
      ? {
          conversation: {
            id: typeof request.conversation === 'string' ? request.conversation : request.conversation.id,
          },
        }
      : {}),
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    reasoning: request.reasoning
      ? {
          effort: request.reasoning.effort ?? null,
          summary: request.reasoning.summary ?? request.reasoning.generate_summary ?? null,
        }
      : null,
    text: {
      format: request.text?.format ?? { type: 'text' },
      verbosity: request.text?.verbosity ?? 'medium',
    },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    truncation: request.truncation ?? 'disabled',
    service_tier: 'default',
    store: request.store ?? true,
    user: request.user ?? null,
    safety_identifier: request.safety_identifier ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    top_logprobs: request.top_logprobs ?? 0,
    usage: null,
    presence_penalty: request.presence_penalty ?? 0,
    frequency_penalty: request.frequency_penalty ?? 0,
  };
}

/**
 * A stored prompt's messages as the response shows them: a message of one text part as its
 * text, which OpenAI's schema reads one way only (a list of parts is both of its two message
 * forms at once).
 */
function echoedMessages(messages: readonly PromptMessage[]): ResponseObject['instructions'] {
  return messages.map(({ type, role, content }) => {
    const only = content.length === 1 ? content[0]! : undefined;
    const text = only?.type === 'input_text' || only?.type === 'output_text' ? only.text : undefined;
    return { type, role, content: text ?? content };
  });
}

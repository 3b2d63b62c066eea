import type { Item } from '../../src/api/items.ts';
import type { OutputItem, OutputMessage, ResponseObject } from '../../src/api/response.ts';

/** A minimal valid ResponseObject (see src/api/response.ts), as the engine has it when it begins. */
export function responseFixture(id: string, overrides: Partial<ResponseObject> = {}): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: 1_767_225_600,
    status: 'in_progress',
    completed_at: null,
    background: false,
    model: 'local/qwen3-0.6b',
    output: [],
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    temperature: null,
    top_p: null,
    max_output_tokens: null,
    max_tool_calls: null,
    previous_response_id: null,
    parallel_tool_calls: true,
    reasoning: null,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    truncation: 'disabled',
    service_tier: 'default',
    store: true,
    safety_identifier: null,
    prompt_cache_key: null,
    top_logprobs: 0,
    presence_penalty: 0,
    frequency_penalty: 0,
    user: null,
    usage: null,
    ...overrides,
  };
}

/** The same response as it ends: completed with the given output. */
export function completedFixture(response: ResponseObject, output: OutputItem[]): ResponseObject {
  return { ...response, status: 'completed', completed_at: response.created_at + 1, output };
}

export function userItem(id: string, text: string): Item {
  return { type: 'message', id, role: 'user', content: [{ type: 'input_text', text }] };
}

export function assistantItem(id: string, text: string): OutputMessage {
  return {
    type: 'message',
    id,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

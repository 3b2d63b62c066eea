import type { CountTokensRequest, MessagesRequest } from '../../api/anthropic-messages.ts';
import type { CreateResponseRequest } from '../../api/request.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import type { InputOrigin } from '../input-origin.ts';
import { fromAnthropicTool, fromAnthropicToolChoice } from './map-anthropic-tools.ts';
import { toReasoning } from './map-thinking.ts';
import { messagesToItems } from './messages-to-items.ts';

/** A messages request, or the context fields of one that `count_tokens` takes. */
export type MessagesInput = CountTokensRequest & Partial<MessagesRequest>;

export interface TranslatedMessages {
  request: CreateResponseRequest;
  /** For each input item, where it came from in `messages`. */
  origins: InputOrigin[];
  /** What of the request Portico does not act on, one line each, in the Messages API's terms. */
  warnings: string[];
}

/** Fields that hold the client's own data (schemas, call inputs), where a `cache_control` key is just a name. */
const CLIENT_DATA = new Set(['input_schema', 'input', 'input_examples']);

/** Whether a prompt-cache breakpoint is set anywhere. */
function hasCacheControl(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasCacheControl);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, inner]) =>
    key === 'cache_control' ? inner != null : !CLIENT_DATA.has(key) && hasCacheControl(inner),
  );
}

function systemText(system: MessagesInput['system']): string | undefined {
  if (system == null) return undefined;
  return typeof system === 'string' ? system : system.map((block) => block.text).join('\n\n');
}

/**
 * A Messages API request as the Responses request the engine runs. The Messages API is
 * stateless: nothing is stored, and reasoning comes back with its encrypted content, which
 * thinking blocks carry to the next turn.
 */
export function fromMessagesRequest(messages: MessagesInput, catalog: Catalog): TranslatedMessages {
  const warnings: string[] = [];
  const { items, origins } = messagesToItems(messages.messages, warnings);
  const { toolChoice, parallel } = fromAnthropicToolChoice(messages.tool_choice);
  const format = messages.output_config?.format;
  const model = catalog.get(messages.model);
  const request: CreateResponseRequest = {
    model: messages.model,
    input: items,
    instructions: systemText(messages.system),
    store: false,
    stream: messages.stream,
    include: ['reasoning.encrypted_content'],
    tools: messages.tools?.map(fromAnthropicTool),
    tool_choice: toolChoice,
    parallel_tool_calls: parallel,
    reasoning: toReasoning(messages.thinking, messages.output_config, model, warnings),
    text: format ? { format: { type: 'json_schema', name: 'output', schema: format.schema } } : undefined,
    max_output_tokens: messages.max_tokens,
    temperature: messages.temperature,
    top_p: messages.top_p,
    user: messages.metadata?.user_id,
    service_tier: messages.service_tier === 'standard_only' ? 'default' : messages.service_tier,
    ...(messages.stop_sequences?.length ? { stop: messages.stop_sequences } : {}),
  };
  if (messages.top_k != null) warnings.push("top_k: Portico's models take no top_k; it was not sent");
  if (messages.context_management)
    warnings.push('context_management: Portico edits no context; the whole history was sent');
  if (messages.tools?.some((tool) => tool.defer_loading))
    warnings.push('tools: defer_loading is not acted on; every tool was offered at once');
  if (messages.tools?.some((tool) => tool.input_examples?.length))
    warnings.push("tools: input_examples are not passed on; the tools' schemas were");
  if (hasCacheControl(messages))
    warnings.push('cache_control: Portico sets no prompt-cache breakpoints upstream; they were ignored');
  return { request, origins, warnings };
}

import { contentParts } from '../../api/item-parts.ts';
import type { Logger } from '../../logger.ts';
import { selectTools } from '../http/select-tools.ts';
import { openUpstream } from '../http/stream-upstream.ts';
import { translateStream } from '../http/translate-stream.ts';
import type { UpstreamOptions } from '../http/upstream-options.ts';
import { upstreamHeaders, type KeyHeader } from '../http/upstream-headers.ts';
import { logprobsUnsupported, samplingUnsupported } from '../sampling-unsupported.ts';
import type { ModelEvent, Provider, Turn, Unsupported } from '../provider.ts';
import { AnthropicEventTranslator } from './anthropic-event-translator.ts';
import { buildAnthropicRequest } from './build-anthropic-request.ts';
import { planThinking } from './thinking-budget.ts';
import { CONVERSATION_ITEM_TYPES } from '../conversation-item-types.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
const ANTHROPIC_FIXED_HEADERS = { 'anthropic-version': ANTHROPIC_VERSION };
const anthropicKey: KeyHeader = (apiKey) => ['x-api-key', apiKey];

/** Whether extended thinking stays on for a turn: an effort with room for its budget, and no forced tool call. */
function thinks(turn: Turn): { on: boolean; found: Unsupported[] } {
  const effort = turn.reasoning?.effort;
  if (!effort || effort === 'none') return { on: false, found: [] };
  const plan = planThinking(turn);
  if (plan.budgetTokens === undefined) {
    const why = plan.warnings[0]?.replace(/^reasoning\.effort: /, '') ?? 'no thinking budget fits';
    return {
      on: false,
      found: [{ param: 'reasoning.effort', message: `Anthropic cannot think here: ${why}.` }],
    };
  }
  const selection = selectTools(turn.tools, turn.toolChoice);
  const forced =
    selection.tools.length > 0 && (selection.mode === 'required' || typeof selection.mode === 'object');
  if (forced)
    return {
      on: false,
      found: [
        {
          param: 'reasoning.effort',
          message: 'Anthropic cannot think while tool_choice forces a tool call.',
        },
      ],
    };
  return { on: true, found: [] };
}

export interface AnthropicOptions extends UpstreamOptions {
  /** Where translation losses (a setting Anthropic cannot take) are reported. */
  logger?: Logger;
}

/** Anthropic's Messages API: `POST {baseUrl}/v1/messages`, streamed. */
export class AnthropicProvider implements Provider {
  private readonly url: string;

  constructor(private readonly options: AnthropicOptions) {
    this.url = `${(options.baseUrl || ANTHROPIC_BASE_URL).replace(/\/+$/, '')}/v1/messages`;
  }

  unsupported(turn: Turn): Unsupported[] {
    const found: Unsupported[] = [];
    turn.tools.forEach((tool, index) => {
      if (tool.type !== 'function' && tool.type !== 'custom')
        found.push({
          param: `tools[${index}].type`,
          message: `A '${tool.type}' tool cannot be sent to Anthropic.`,
        });
    });
    const choice = turn.toolChoice;
    if (typeof choice === 'object' && !['function', 'custom', 'allowed_tools'].includes(choice.type))
      found.push({
        param: 'tool_choice',
        message: `tool_choice '${choice.type}' cannot be sent to Anthropic.`,
      });
    const thinking = thinks(turn);
    found.push(...thinking.found);
    const { temperature, topP } = turn.sampling;
    if (temperature !== undefined && thinking.on)
      found.push({
        param: 'temperature',
        message: 'Anthropic does not take temperature with extended thinking.',
      });
    if (topP !== undefined && temperature !== undefined)
      found.push({ param: 'top_p', message: 'Anthropic takes temperature or top_p, not both.' });
    else if (topP !== undefined && thinking.on && topP < 0.95)
      found.push({ param: 'top_p', message: 'Anthropic takes no top_p below 0.95 with extended thinking.' });
    found.push(
      ...samplingUnsupported(turn, ['temperature', 'topP', 'maxOutputTokens', 'stop'], 'Anthropic'),
      ...logprobsUnsupported(turn, 'Anthropic'),
    );
    if (turn.text.verbosity)
      found.push({ param: 'text.verbosity', message: 'Anthropic takes no verbosity.', harmless: true });
    if (turn.reasoning?.summary ?? turn.reasoning?.generate_summary)
      found.push({
        param: 'reasoning.summary',
        message: 'Anthropic returns its thinking as text, not summaries.',
        harmless: true,
      });
    turn.items.forEach((item, index) => {
      if (!CONVERSATION_ITEM_TYPES.has(item.type))
        found.push({
          param: `input[${index}]`,
          message: `A '${item.type}' item cannot be sent to Anthropic.`,
          harmless: true,
        });
    });
    for (const { path, item, part } of contentParts(turn.items)) {
      const message =
        part.type === 'input_image' && !part.image_url
          ? 'An image given by file_id cannot be sent to Anthropic: give its image_url.'
          : part.type === 'input_file' && item.type !== 'message'
            ? 'A file in a tool output cannot be sent to Anthropic: a tool_result carries text and images.'
            : part.type === 'input_file' && !part.file_data && !part.file_url
              ? 'A file given by file_id cannot be sent to Anthropic: give file_data or file_url.'
              : undefined;
      if (message) found.push({ param: path, message });
    }
    return found;
  }

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    const { body, customToolNames, warnings } = buildAnthropicRequest(turn);
    if (warnings.length > 0)
      this.options.logger?.warn('request translated with losses', {
        provider: this.options.id,
        model: turn.model.id,
        warnings,
      });
    const headers = upstreamHeaders(
      this.options,
      turn.stream ? 'text/event-stream' : 'application/json',
      anthropicKey,
      ANTHROPIC_FIXED_HEADERS,
    );
    const reply = await openUpstream(
      this.options,
      { url: this.url, headers, body, timeouts: turn.model.timeouts, whole: !turn.stream },
      signal,
    );
    const translator = new AnthropicEventTranslator(this.options.id, customToolNames);
    yield* translateStream(this.options, reply, translator, signal);
  }
}

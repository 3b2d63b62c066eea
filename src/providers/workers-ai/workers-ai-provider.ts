import { contentParts } from '../../api/item-parts.ts';
import type { Logger } from '../../logger.ts';
import { randomCallId } from '../chat-completions/chat-chunk-translator.ts';
import { ChatCompletionsProvider } from '../chat-completions/chat-completions-provider.ts';
import { upstreamHeaders } from '../http/upstream-headers.ts';
import { chatPreset, type ChatPreset } from '../chat-completions/presets.ts';
import { openUpstream } from '../http/stream-upstream.ts';
import { translateStream } from '../http/translate-stream.ts';
import type { UpstreamOptions } from '../http/upstream-options.ts';
import { logprobsUnsupported, samplingUnsupported } from '../sampling-unsupported.ts';
import type { ModelEvent, Provider, Turn, Unsupported } from '../provider.ts';
import { buildRunRequest } from './build-run-request.ts';
import { RunChunkTranslator } from './run-chunk-translator.ts';

/** The Cloudflare REST API root; an account's Workers AI lives under `/accounts/{id}/ai`. */
export const WORKERS_AI_BASE_URL = 'https://api.cloudflare.com/client/v4';

export interface WorkersAiOptions extends UpstreamOptions {
  accountId: string;
  logger?: Logger;
  newCallId?: () => string;
}

/**
 * Cloudflare Workers AI with an account id and API token. Models go through the
 * OpenAI-compatible `ai/v1/chat/completions` route (the chat-completions translation with the
 * `workers-ai` preset); models whose name starts with a prefix the preset lists (the legacy
 * `@hf/` models) go through the native `ai/run/{model}` route.
 */
export class WorkersAiProvider implements Provider {
  private readonly preset: ChatPreset = chatPreset('workers-ai');
  private readonly aiUrl: string;
  private readonly chat: ChatCompletionsProvider;

  constructor(private readonly options: WorkersAiOptions) {
    const root = (options.baseUrl || WORKERS_AI_BASE_URL).replace(/\/+$/, '');
    this.aiUrl = `${root}/accounts/${encodeURIComponent(options.accountId)}/ai`;
    this.chat = new ChatCompletionsProvider({
      ...options,
      baseUrl: `${this.aiUrl}/v1`,
      preset: 'workers-ai',
    });
  }

  /** Whether a model is served through `ai/run/{model}` rather than the OpenAI-compatible route. */
  usesRunRoute(upstreamModel: string): boolean {
    return (this.preset.runRouteModelPrefixes ?? []).some((prefix) => upstreamModel.startsWith(prefix));
  }

  /** The chat-completions route's limits; `ai/run` models also take no tool_choice, effort or media. */
  unsupported(turn: Turn): Unsupported[] {
    const found = this.chat.unsupported(turn);
    if (!this.usesRunRoute(turn.model.upstreamModel)) return found;
    const route = `Workers AI ai/run models like '${turn.model.upstreamModel}'`;
    found.push(
      ...samplingUnsupported(turn, ['temperature', 'topP', 'maxOutputTokens', 'seed'], route),
      ...logprobsUnsupported(turn, route),
    );
    if (turn.toolChoice !== 'auto' && !found.some((entry) => entry.param === 'tool_choice'))
      found.push({ param: 'tool_choice', message: `${route} take no tool_choice: the model chooses.` });
    if (turn.reasoning?.effort && turn.reasoning.effort !== 'none')
      found.push({ param: 'reasoning.effort', message: `${route} take no reasoning effort.` });
    for (const { path, part } of contentParts(turn.items))
      if (
        (part.type === 'input_image' || part.type === 'input_file') &&
        !found.some((entry) => entry.param === path)
      )
        found.push({ param: path, message: `${route} take text only: images and files cannot be sent.` });
    return found;
  }

  generate(turn: Turn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    return this.usesRunRoute(turn.model.upstreamModel)
      ? this.run(turn, signal)
      : this.chat.generate(turn, signal);
  }

  private async *run(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    const { body, customToolNames, warnings } = buildRunRequest(turn, this.preset);
    if (warnings.length > 0)
      this.options.logger?.warn('request translated with losses', {
        provider: this.options.id,
        model: turn.model.id,
        warnings,
      });
    const url = `${this.aiUrl}/run/${turn.model.upstreamModel}`;
    const reply = await openUpstream(
      this.options,
      {
        url,
        headers: upstreamHeaders(this.options, 'text/event-stream'),
        body,
        timeouts: turn.model.timeouts,
      },
      signal,
    );
    const translator = new RunChunkTranslator(
      this.options.id,
      this.preset,
      customToolNames,
      this.options.newCallId ?? randomCallId,
    );
    yield* translateStream(this.options, reply, translator, signal);
  }
}

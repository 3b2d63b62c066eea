import type { Logger } from '../../logger.ts';
import { streamUpstream } from '../http/stream-upstream.ts';
import { translateStream } from '../http/translate-stream.ts';
import type { UpstreamOptions } from '../http/upstream-options.ts';
import type { ModelEvent, Provider, Turn } from '../provider.ts';
import { AnthropicEventTranslator } from './anthropic-event-translator.ts';
import { buildAnthropicRequest } from './build-anthropic-request.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

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

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    const { body, customToolNames, warnings } = buildAnthropicRequest(turn);
    if (warnings.length > 0)
      this.options.logger?.warn('request translated with losses', {
        provider: this.options.id,
        model: turn.model.id,
        warnings,
      });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': ANTHROPIC_VERSION,
      ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}),
      ...this.options.headers,
    };
    const stream = await streamUpstream(this.options, { url: this.url, headers, body }, signal);
    const translator = new AnthropicEventTranslator(this.options.id, customToolNames);
    yield* translateStream(this.options, stream, translator, signal);
  }
}

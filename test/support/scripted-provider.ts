import { ApiError } from '../../src/api/errors.ts';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import type { ModelEvent, Provider, Turn } from '../../src/providers/provider.ts';

/** A catalog entry served by the provider registered as `provider`. */
export const scriptedModel = (id: string, provider: string): CatalogModel => ({
  id,
  provider,
  upstreamModel: id,
  task: 'Text Generation',
  ownedBy: 'Test',
  proxied: false,
  contextWindow: 4096,
  capabilities: { tools: true, vision: true, structuredOutput: true, reasoningEfforts: ['low'] },
});

/**
 * A provider that plays back a fixed list of model events and records the turns it was
 * given: for testing the engine's event lifecycle without a model.
 */
export class ScriptedProvider implements Provider {
  readonly turns: Turn[] = [];

  constructor(private readonly script: (turn: Turn) => Array<ModelEvent | Error | { delayMs: number }>) {}

  async *generate(turn: Turn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    this.turns.push(turn);
    for (const step of this.script(turn)) {
      if (signal.aborted) throw signal.reason;
      if (step instanceof Error) throw step;
      if ('delayMs' in step) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      else yield step;
    }
  }
}

export function textEvents(text: string, inputTokens = 3): ModelEvent[] {
  return [
    ...text.split(/(?<= )/).map((delta): ModelEvent => ({ type: 'text-delta', delta })),
    { type: 'usage', usage: { inputTokens, outputTokens: text.split(' ').length } },
    { type: 'finish', reason: 'stop' },
  ];
}

/**
 * "Let me check." and two function calls as a model streams them: get_weather `{"city":"Paris"}`
 * in two deltas (call_a), then get_time `{"tz":"CET"}` (call_b). No usage, no finish.
 */
export function textAndTwoCalls(): ModelEvent[] {
  return [
    { type: 'text-delta', delta: 'Let me ' },
    { type: 'text-delta', delta: 'check.' },
    { type: 'tool-call-start', callId: 'call_a', name: 'get_weather', kind: 'function' },
    { type: 'tool-call-delta', callId: 'call_a', delta: '{"city":' },
    { type: 'tool-call-delta', callId: 'call_a', delta: '"Paris"}' },
    { type: 'tool-call-end', callId: 'call_a' },
    { type: 'tool-call-start', callId: 'call_b', name: 'get_time', kind: 'function' },
    { type: 'tool-call-delta', callId: 'call_b', delta: '{"tz":"CET"}' },
    { type: 'tool-call-end', callId: 'call_b' },
  ];
}

/** A provider's failure before it answered: its upstream's 429, to retry after 3 seconds. */
export function slowDown(): ApiError {
  return new ApiError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message: 'Slow down.',
    retryAfter: 3,
  });
}

/** A failure after the answer began: half a text, then the upstream closed the connection (a 502). */
export function halfThenClosed(): ModelEvent[] {
  const closed = new ApiError({
    status: 502,
    type: 'upstream_error',
    message: 'The upstream closed the connection.',
  });
  return [
    { type: 'text-delta', delta: 'Half' },
    { type: 'finish', reason: 'error', error: closed },
  ];
}

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

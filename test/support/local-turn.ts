import type { Item } from '../../src/api/items.ts';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import type { ModelEvent, Provider, Sampling, Turn } from '../../src/providers/provider.ts';

let nextId = 0;

/** A user message item as the engine hands it to providers. */
export function userMessage(text: string): Item {
  return { type: 'message', id: `msg_${nextId++}`, role: 'user', content: [{ type: 'input_text', text }] };
}

/** A turn for a local model: one user message unless `items` are given, greedy unless told. */
export function localTurn(
  model: CatalogModel,
  input: string | Item[],
  options: { instructions?: string; sampling?: Sampling; text?: Turn['text'] } = {},
): Turn {
  return {
    model,
    instructions: options.instructions,
    items: typeof input === 'string' ? [userMessage(input)] : input,
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: true,
    text: options.text ?? { format: { type: 'text' } },
    reasoning: undefined,
    sampling: options.sampling ?? { temperature: 0, maxOutputTokens: 32 },
    include: [],
    stream: true,
  };
}

/** Every event of one generation. */
export async function collect(
  provider: Provider,
  turn: Turn,
  signal = new AbortController().signal,
): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of provider.generate(turn, signal)) events.push(event);
  return events;
}

/** The text of a generation's deltas, joined. */
export function textOf(events: readonly ModelEvent[]): string {
  return events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
}

import type { Item } from '../../src/api/items.ts';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import type { ModelEvent, Turn } from '../../src/providers/provider.ts';

/** A user text message as the engine hands it to providers. */
export function userText(text: string, id = 'msg_u1'): Item {
  return { type: 'message', id, role: 'user', content: [{ type: 'input_text', text }] };
}

/** A turn for an upstream provider: the user says "Hi", with no tools or settings, unless `overrides` say. */
export function providerTurn(model: CatalogModel, overrides: Partial<Turn> = {}): Turn {
  return {
    model,
    instructions: undefined,
    items: [userText('Hi')],
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: true,
    text: { format: { type: 'text' } },
    reasoning: undefined,
    sampling: {},
    include: [],
    stream: true,
    ...overrides,
  };
}

/** Every event of a generation, in order. */
export async function collect(events: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const out: ModelEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

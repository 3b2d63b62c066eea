import { z } from 'zod';
import type { Item } from '../api/items.ts';

/**
 * Portico's own compaction items: `encrypted_content` holds, tagged and base64url-encoded,
 * the model's summary of the history it replaces and the items kept verbatim after it (the
 * turn that was being answered). Opaque to clients, as OpenAI's are; the tag keeps OpenAI's
 * own compaction items (which pass through to OpenAI models untouched) apart.
 */
const TAG = 'portico.compaction.v1:';

const Sealed = z.object({
  summary: z.string(),
  kept: z.array(z.looseObject({ type: z.string(), id: z.string() })),
});

export interface Checkpoint {
  summary: string;
  kept: Item[];
}

export function sealCheckpoint(checkpoint: Checkpoint): string {
  return TAG + Buffer.from(JSON.stringify(checkpoint), 'utf8').toString('base64url');
}

/** The checkpoint inside a compaction item of Portico's, or undefined for anything else. */
export function openCheckpoint(item: Item): Checkpoint | undefined {
  if (item.type !== 'compaction') return undefined;
  const value = (item as { encrypted_content?: unknown }).encrypted_content;
  if (typeof value !== 'string' || !value.startsWith(TAG)) return undefined;
  try {
    const parsed = Sealed.safeParse(
      JSON.parse(Buffer.from(value.slice(TAG.length), 'base64url').toString('utf8')),
    );
    return parsed.success ? { summary: parsed.data.summary, kept: parsed.data.kept as Item[] } : undefined;
  } catch {
    return undefined;
  }
}

/** How a model reads a checkpoint: the summary as a developer message, then the items kept. */
export function checkpointItems(id: string, checkpoint: Checkpoint): Item[] {
  const text = `Summary of the conversation before this point:\n${checkpoint.summary}`;
  return [
    { type: 'message', id: `${id}_summary`, role: 'developer', content: [{ type: 'input_text', text }] },
    ...checkpoint.kept,
  ];
}

/**
 * A context with Portico's latest checkpoint in place of everything before it: what came
 * before is what its summary replaces. Returns the items and how many of them precede
 * `inputFrom` (the start of this request's input) once the checkpoint is applied.
 */
export function fromLastCheckpoint(
  items: readonly Item[],
  inputFrom: number,
): { items: Item[]; historyLength: number } {
  for (let at = items.length - 1; at >= 0; at--) {
    const checkpoint = openCheckpoint(items[at]!);
    if (!checkpoint) continue;
    const expanded = checkpointItems(items[at]!.id, checkpoint);
    const after = items.slice(at + 1);
    // A checkpoint the client sent in its input leaves no history before it.
    const historyLength = at < inputFrom ? expanded.length + (inputFrom - at - 1) : 0;
    return { items: [...expanded, ...after], historyLength };
  }
  return { items: [...items], historyLength: inputFrom };
}

import { z } from 'zod';
import { badRequest } from '../api/errors.ts';
import { InputItem, type Item } from '../api/items.ts';
import { LIMITS } from '../api/limits.ts';
import { parseJsonText } from '../api/parse-json-text.ts';

/**
 * Portico's own compaction items: `encrypted_content` holds, tagged and base64url-encoded,
 * the model's summary of the history it replaces and the items kept verbatim after it (the
 * turn that was being answered). Opaque to clients, as OpenAI's are; the tag keeps OpenAI's
 * own compaction items (which pass through to OpenAI models untouched) apart.
 */
const TAG = 'portico.compaction.v1:';

/**
 * A checkpoint as Portico seals it. A client holds it and may send back anything under the
 * tag, so the items kept are read as `input` is (the same schema and bounds), in the form Portico
 * stores them: each with its id, a message's content as parts, and no item reference.
 */
const Sealed = z.object({
  summary: z.string(),
  kept: z.array(InputItem).max(LIMITS.inputItems),
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
  const read = readCheckpoint(item);
  return read === 'invalid' ? undefined : read;
}

/**
 * Refuses a compaction item that carries Portico's tag but no checkpoint Portico could have
 * sealed: a 400 naming `param` (its `encrypted_content`), before its items reach a model.
 */
export function checkCheckpoint(item: { type: string }, param: string): void {
  if (readCheckpoint(item) === 'invalid')
    throw badRequest(
      param,
      'Invalid compaction item: its encrypted_content is not one Portico made (send back the compaction item as it was returned).',
      'invalid_encrypted_content',
    );
}

function readCheckpoint(item: { type: string }): Checkpoint | 'invalid' | undefined {
  if (item.type !== 'compaction') return undefined;
  const value = (item as { encrypted_content?: unknown }).encrypted_content;
  if (typeof value !== 'string' || !value.startsWith(TAG)) return undefined;
  let json: unknown;
  try {
    // As a request body is read: its nesting bounded, so no later walk over the items can overflow.
    json = parseJsonText(Buffer.from(value.slice(TAG.length), 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  const parsed = Sealed.safeParse(json);
  if (!parsed.success || !parsed.data.kept.every(isStoredItem)) return 'invalid';
  return { summary: parsed.data.summary, kept: parsed.data.kept as Item[] };
}

/** An item in the form Portico stores (normalize-input.ts), within the bounds `input` has. */
function isStoredItem(item: InputItem): boolean {
  if (item.type === 'item_reference' || typeof item.id !== 'string') return false;
  const parts = 'content' in item ? item.content : 'output' in item ? item.output : undefined;
  if (item.type === 'message' && !Array.isArray(parts)) return false;
  return !Array.isArray(parts) || parts.length <= LIMITS.contentParts;
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

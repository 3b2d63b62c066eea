import type { ContentPart, Item } from '../../api/items.ts';
import { isRawOpenAiReasoning, openReasoning } from './reasoning-envelope.ts';

/** An input item as OpenAI's Responses API takes it. */
export type WireInputItem = { type: string } & Record<string, unknown>;

type WirePart = { type: string } & Record<string, unknown>;

/** Drops null and undefined fields, which OpenAI reads as "set to null" on some parameters. */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/**
 * A part of user, system, developer or tool-output content: text, image or file. A `file_id` is
 * Portico's (the engine sends the file's bytes in its place), never one of the upstream
 * account's files: it is not sent.
 */
function inputPart(part: ContentPart): WirePart {
  switch (part.type) {
    case 'input_text':
      return { type: 'input_text', text: part.text };
    case 'output_text':
      return { type: 'input_text', text: part.text };
    case 'refusal':
      return { type: 'input_text', text: part.refusal };
    case 'input_image':
      return compact({
        type: part.type,
        image_url: part.image_url,
        detail: part.detail,
      });
    case 'input_file':
      return compact({
        type: part.type,
        file_data: part.file_data,
        file_url: part.file_url,
        filename: part.filename,
      });
  }
}

/** A part of an earlier assistant answer: only text and refusals can be sent back. */
function assistantPart(part: ContentPart): WirePart | undefined {
  if (part.type === 'output_text' || part.type === 'input_text')
    return { type: 'output_text', text: part.text };
  if (part.type === 'refusal') return { type: 'refusal', refusal: part.refusal };
  return undefined;
}

function toolOutput(output: string | ContentPart[]): string | WirePart[] {
  return typeof output === 'string' ? output : output.map(inputPart);
}

/**
 * A reasoning item OpenAI can use without storage: its own encrypted content under the id it
 * issued. Reasoning without it (another provider's, or a local model's) cannot be sent: OpenAI
 * would look its id up, and with `store: false` answer 404.
 */
function reasoning(item: Extract<Item, { type: 'reasoning' }>): WireInputItem | undefined {
  const value = item.encrypted_content;
  if (!value) return undefined;
  const own =
    openReasoning(value) ??
    (isRawOpenAiReasoning(value) ? { id: item.id, encryptedContent: value } : undefined);
  if (!own) return undefined;
  return {
    type: 'reasoning',
    id: own.id,
    summary: item.summary.map((part) => ({ type: 'summary_text', text: part.text })),
    encrypted_content: own.encryptedContent,
  };
}

/**
 * Portico's stored items as OpenAI input. With `store: false` OpenAI knows none of Portico's
 * ids, so items are sent by value without `id` (an id would be looked up and not found);
 * only reasoning keeps the id its encrypted content is bound to. Item types Portico does not
 * act on (hosted tool calls, compaction, ...) pass through untouched.
 */
export function mapInputItems(items: readonly Item[]): WireInputItem[] {
  const out: WireInputItem[] = [];
  for (const item of items) {
    switch (item.type) {
      case 'message': {
        const assistant = item.role === 'assistant';
        const content = assistant
          ? item.content.flatMap((part) => assistantPart(part) ?? [])
          : item.content.map(inputPart);
        out.push(
          compact({ type: 'message', role: item.role, content, phase: assistant ? item.phase : undefined }),
        );
        break;
      }
      case 'function_call':
        out.push(
          compact({
            type: item.type,
            call_id: item.call_id,
            name: item.name,
            arguments: item.arguments,
            namespace: item.namespace,
          }),
        );
        break;
      case 'custom_tool_call':
        out.push(
          compact({
            type: item.type,
            call_id: item.call_id,
            name: item.name,
            input: item.input,
            namespace: item.namespace,
          }),
        );
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        out.push({ type: item.type, call_id: item.call_id, output: toolOutput(item.output) });
        break;
      case 'reasoning': {
        const mapped = reasoning(item);
        if (mapped) out.push(mapped);
        break;
      }
      case 'compaction':
        // OpenAI's own compaction item, sent by value: its id means nothing with store: false.
        out.push(
          compact({
            type: item.type,
            encrypted_content: (item as { encrypted_content?: unknown }).encrypted_content,
          }),
        );
        break;
      case 'compaction_trigger':
        // Its schema has only a type: the id Portico stored it under is no field of it.
        out.push({ type: item.type });
        break;
      default:
        out.push(item);
    }
  }
  return out;
}

import { badRequest } from '../../api/errors.ts';
import type { ContentPart } from '../../api/items.ts';
import type { ChatContentPart } from './chat-wire.ts';

/** The text of a list of parts (input text, output text and refusals), joined as written. */
export function partsText(parts: readonly ContentPart[]): string {
  let text = '';
  for (const part of parts) {
    if (part.type === 'input_text' || part.type === 'output_text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
  }
  return text;
}

/** Whether a list holds anything besides text (an image or a file). */
export function hasMedia(parts: readonly ContentPart[]): boolean {
  return parts.some((part) => part.type === 'input_image' || part.type === 'input_file');
}

function imagePart(part: Extract<ContentPart, { type: 'input_image' }>): ChatContentPart {
  if (!part.image_url) {
    throw badRequest(
      'input',
      'An input_image given by file_id cannot be sent to a chat-completions upstream: give its image_url.',
    );
  }
  // Chat Completions knows low, high and auto; `original` asks for full resolution, the nearest is high.
  const detail = part.detail === 'original' ? 'high' : part.detail;
  return { type: 'image_url', image_url: { url: part.image_url, detail } };
}

function filePart(part: Extract<ContentPart, { type: 'input_file' }>): ChatContentPart {
  if (!part.file_data) {
    throw badRequest(
      'input',
      'An input_file can only be sent to a chat-completions upstream as file_data (a data URL).',
    );
  }
  return {
    type: 'file',
    file: { file_data: part.file_data, ...(part.filename ? { filename: part.filename } : {}) },
  };
}

/**
 * A user message's parts as Chat Completions content: a plain string when it is one piece of
 * text (what every compatible server accepts), otherwise text, image_url and file parts.
 */
export function chatUserContent(parts: readonly ContentPart[]): string | ChatContentPart[] {
  const only = parts[0];
  if (parts.length === 1 && only && (only.type === 'input_text' || only.type === 'output_text'))
    return only.text;
  return parts.map((part): ChatContentPart => {
    switch (part.type) {
      case 'input_image':
        return imagePart(part);
      case 'input_file':
        return filePart(part);
      case 'refusal':
        return { type: 'text', text: part.refusal };
      default:
        return { type: 'text', text: part.text };
    }
  });
}

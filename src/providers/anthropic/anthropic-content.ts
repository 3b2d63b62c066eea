import { badRequest } from '../../api/errors.ts';
import type { ContentPart } from '../../api/items.ts';
import type {
  AnthropicBlock,
  AnthropicDocumentSource,
  AnthropicImageSource,
} from '../../api/anthropic-messages.ts';

/** `data:<media type>;base64,<data>` split into its parts; undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!, data: match[2]! } : undefined;
}

function source(url: string): AnthropicImageSource {
  const data = parseDataUrl(url);
  return data ? { type: 'base64', media_type: data.mediaType, data: data.data } : { type: 'url', url };
}

function documentSource(part: Extract<ContentPart, { type: 'input_file' }>): AnthropicDocumentSource {
  if (part.file_data) {
    const data = parseDataUrl(part.file_data);
    if (!data) throw badRequest('input', 'An input_file needs file_data as a base64 data URL.');
    if (data.mediaType === 'text/plain')
      return {
        type: 'text',
        media_type: 'text/plain',
        data: Buffer.from(data.data, 'base64').toString('utf8'),
      };
    return { type: 'base64', media_type: data.mediaType, data: data.data };
  }
  if (part.file_url) return { type: 'url', url: part.file_url };
  throw badRequest(
    'input',
    'An input_file given by file_id cannot be sent to Anthropic: give file_data or file_url.',
  );
}

/** Content parts as Messages API blocks: text, image (base64 or URL) and document. Empty text is left out. */
export function anthropicBlocks(parts: readonly ContentPart[]): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'input_image':
        if (!part.image_url)
          throw badRequest(
            'input',
            'An input_image given by file_id cannot be sent to Anthropic: give its image_url.',
          );
        blocks.push({ type: 'image', source: source(part.image_url) });
        break;
      case 'input_file':
        blocks.push({
          type: 'document',
          source: documentSource(part),
          ...(part.filename ? { title: part.filename } : {}),
        });
        break;
      case 'refusal':
        if (part.refusal) blocks.push({ type: 'text', text: part.refusal });
        break;
      default:
        if (part.text) blocks.push({ type: 'text', text: part.text });
    }
  }
  return blocks;
}

import type {
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicTextBlock,
} from '../../api/anthropic-messages.ts';
import type { ContentPart } from '../../api/items.ts';

type InputBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock;

function dataUrl(mediaType: string, base64: string): string {
  return `data:${mediaType};base64,${base64}`;
}

/**
 * A document as Responses parts, the reverse of the Anthropic provider's mapping (so a Claude
 * conversation goes back upstream as it came): a PDF, a URL or plain text is an input_file
 * titled by its filename; a document given as content is that content. A file by id names one
 * of Portico's files, which the engine reads (engine/resolve-file-parts.ts).
 */
function documentParts(block: AnthropicDocumentBlock, path: string, warnings: string[]): ContentPart[] {
  if (block.context) warnings.push(`${path}.context: a document's context is not passed on`);
  if (block.citations?.enabled) warnings.push(`${path}.citations: Portico answers without citations`);
  const filename = block.title ?? undefined;
  const source = block.source;
  switch (source.type) {
    case 'base64':
      return [{ type: 'input_file', file_data: dataUrl(source.media_type, source.data), filename }];
    case 'url':
      return [{ type: 'input_file', file_url: source.url, filename }];
    case 'file':
      return [{ type: 'input_file', file_id: source.file_id, filename }];
    case 'text': {
      const data = Buffer.from(source.data, 'utf8').toString('base64');
      return [{ type: 'input_file', file_data: dataUrl('text/plain', data), filename }];
    }
    case 'content':
      return typeof source.content === 'string'
        ? [{ type: 'input_text', text: source.content }]
        : source.content.flatMap((inner, index) =>
            blockParts(inner, `${path}.source.content[${index}]`, warnings),
          );
  }
}

/** A text, image or document block (at `path`, for warnings) as Responses content parts. */
export function blockParts(block: InputBlock, path: string, warnings: string[]): ContentPart[] {
  switch (block.type) {
    case 'text':
      return [{ type: 'input_text', text: block.text }];
    case 'image': {
      const { source } = block;
      if (source.type === 'file') return [{ type: 'input_image', file_id: source.file_id, detail: 'auto' }];
      const url = source.type === 'base64' ? dataUrl(source.media_type, source.data) : source.url;
      return [{ type: 'input_image', image_url: url, detail: 'auto' }];
    }
    case 'document':
      return documentParts(block, path, warnings);
  }
}

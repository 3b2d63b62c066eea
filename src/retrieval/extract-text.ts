/** Why a file's text cannot be had, as a vector-store file's `last_error` says it. */
export interface ExtractionError {
  code: 'unsupported_file' | 'invalid_file';
  message: string;
}

/** Extensions read as text as they are: prose, data and source code. */
const PLAIN = new Set(
  (
    'txt text md markdown mdx rst org tex json jsonl ndjson csv tsv xml yaml yml toml ini cfg conf log sql ' +
    'js mjs cjs jsx ts tsx py rb php java kt kts scala go rs c h cc cpp hpp cs swift m mm sh bash zsh ps1 ' +
    'pl lua r dart ex exs erl hs clj ml fs vue svelte css scss less graphql proto dockerfile makefile'
  ).split(' '),
);
const HTML = new Set(['html', 'htm', 'xhtml']);

/**
 * The text of a file, by its name's extension: text formats as they are (UTF-8), HTML without
 * its markup. Formats Portico cannot read (PDF, Office documents, images) are refused with a
 * clear error rather than indexed as garbage.
 */
export function extractText(
  filename: string,
  bytes: Uint8Array,
): { text: string } | { error: ExtractionError } {
  const extension = extensionOf(filename);
  if (!PLAIN.has(extension) && !HTML.has(extension))
    return {
      error: {
        code: 'unsupported_file',
        message: `Portico cannot read '${extension ? `.${extension}` : filename}' files: upload text, Markdown, JSON, CSV, HTML or source code.`,
      },
    };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: { code: 'invalid_file', message: 'The file is not valid UTF-8 text.' } };
  }
  if (text.includes('\u0000'))
    return { error: { code: 'invalid_file', message: 'The file holds binary data.' } };
  return { text: HTML.has(extension) ? htmlText(text) : text };
}

function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop()!.toLowerCase();
  if (base === 'dockerfile' || base === 'makefile') return base;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : '';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The readable text of an HTML page: scripts, styles and tags dropped, entities decoded, blocks on their own lines. */
function htmlText(html: string): string {
  return html
    .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(
      /<\/?(p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|pre|blockquote)\b[^>]*>/gi,
      '\n',
    )
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1]?.toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/[ \t\f\v]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

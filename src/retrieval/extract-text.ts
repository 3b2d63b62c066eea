import { timeSlices } from '../o200k-tokens.ts';

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

/** Bytes decoded between two looks at the clock (a look yields once 10 ms of work ran since the last turn). */
const PIECE = 1 << 20;
/** Characters of a page scanned, or of its text normalized, between two looks: ~1-5 ms of work. */
const LOOK = 1 << 16;

/**
 * The text of a file, by its name's extension: text formats as they are (UTF-8), HTML without
 * its markup. Formats Portico cannot read (PDF, Office documents, images) are refused with a
 * clear error rather than indexed as garbage. A large file is read a piece at a time, with
 * `pause` between pieces (at once, a 64 MiB page held the event loop for ~2 s).
 */
export async function extractText(
  filename: string,
  bytes: Uint8Array,
  pause: () => Promise<void> = timeSlices(),
): Promise<{ text: string } | { error: ExtractionError }> {
  const extension = extensionOf(filename);
  if (!PLAIN.has(extension) && !HTML.has(extension))
    return {
      error: {
        code: 'unsupported_file',
        message: `Portico cannot read '${extension ? `.${extension}` : filename}' files: upload text, Markdown, JSON, CSV, HTML or source code.`,
      },
    };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parts: string[] = [];
  try {
    for (let at = 0; at < bytes.length; at += PIECE) {
      const part = decoder.decode(bytes.subarray(at, at + PIECE), { stream: true });
      if (part.includes('\u0000'))
        return { error: { code: 'invalid_file', message: 'The file holds binary data.' } };
      parts.push(part);
      await pause();
    }
    parts.push(decoder.decode());
  } catch {
    return { error: { code: 'invalid_file', message: 'The file is not valid UTF-8 text.' } };
  }
  const text = parts.join('');
  return { text: HTML.has(extension) ? await htmlText(text, pause) : text };
}

function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop()!.toLowerCase();
  if (base === 'dockerfile' || base === 'makefile') return base;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : '';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
/** Elements dropped with everything inside them. */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template']);
/** Elements whose tags break the text into lines. */
const BLOCKS = new Set(
  'p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer pre blockquote'.split(' '),
);
const MARKUP = /[<&]/g;
const TAG_NAME = /<\/?([a-z][a-z0-9]*)/iy;
const ENTITY = /&(#x[0-9a-f]+|#\d+|[a-z]+);/iy;

/**
 * The readable text of an HTML page: scripts, styles, comments and tags dropped, entities
 * decoded, blocks on their own lines, runs of blanks made one. One pass over the page, which
 * looks at the clock every `LOOK` characters.
 */
async function htmlText(html: string, pause: () => Promise<void>): Promise<string> {
  /** The text so far, joined a piece at a time (one join of millions of bits held the loop ~100 ms). */
  const pieces: string[] = [];
  let out: string[] = [];
  /** Past these, no '>' (or no end of a comment, or no closing tag of an element) follows: none is looked for again. */
  let noCloseFrom = Infinity;
  const unclosed = new Map<string, number>([['!--', Infinity]]);
  let at = 0;
  let looked = 0;
  while (at < html.length) {
    if (at - looked >= LOOK) {
      looked = at;
      pieces.push(out.join(''));
      out = [];
      await pause();
    }
    MARKUP.lastIndex = at;
    const found = MARKUP.exec(html);
    const mark = found ? found.index : html.length;
    if (mark > at) out.push(html.slice(at, mark));
    if (!found) break;
    at = mark;
    if (html[at] === '&') {
      ENTITY.lastIndex = at;
      const entity = ENTITY.exec(html);
      out.push(entity ? decodeEntity(entity[0], entity[1]!) : '&');
      at += entity ? entity[0].length : 1;
      continue;
    }
    if (html.startsWith('<!--', at) && at < unclosed.get('!--')!) {
      const end = html.indexOf('-->', at + 4);
      if (end >= 0) {
        out.push(' ');
        at = end + 3;
        continue;
      }
      unclosed.set('!--', at);
    }
    const close = at + 1 < noCloseFrom ? html.indexOf('>', at + 1) : -1;
    if (close < 0) noCloseFrom = Math.min(noCloseFrom, at + 1);
    if (close <= at + 1) {
      // A '<' with no '>' after it, or `<>`: text.
      out.push('<');
      at += 1;
      continue;
    }
    TAG_NAME.lastIndex = at;
    const name = TAG_NAME.exec(html)?.[1]?.toLowerCase();
    const opening = html[at + 1] !== '/';
    at = close + 1;
    if (name && opening && HIDDEN.has(name) && at < (unclosed.get(name) ?? Infinity)) {
      const ending = new RegExp(`</${name}\\s*>`, 'gi');
      ending.lastIndex = at;
      const end = ending.exec(html);
      if (end) at = end.index + end[0].length;
      else unclosed.set(name, at);
    }
    out.push(name && BLOCKS.has(name) ? '\n' : ' ');
  }
  pieces.push(out.join(''));
  return (await collapseBlanks(pieces.join(''), pause)).trim();
}

function decodeEntity(entity: string, name: string): string {
  if (name[0] === '#') {
    const code = name[1]?.toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
  }
  return ENTITIES[name.toLowerCase()] ?? entity;
}

/**
 * Runs of spaces and tabs as one space, and blanks around a line break as that break alone, a
 * piece at a time: each piece ends between two characters that are not blank, so no run is cut.
 */
async function collapseBlanks(text: string, pause: () => Promise<void>): Promise<string> {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + LOOK, text.length);
    while (end < text.length && (/\s/.test(text[end - 1]!) || /\s/.test(text[end]!))) end++;
    pieces.push(
      text
        .slice(start, end)
        .replace(/[ \t\f\v]+/g, ' ')
        .replace(/\s*\n\s*/g, '\n'),
    );
    start = end;
    await pause();
  }
  return pieces.join('');
}

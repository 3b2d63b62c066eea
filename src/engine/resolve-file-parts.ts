import { extname } from 'node:path';
import { badRequest } from '../api/errors.ts';
import type { ContentPart, Item } from '../api/items.ts';
import { clip, LIMITS } from '../api/limits.ts';
import type { FileStore } from '../store/file-store.ts';
import type { Owner } from '../store/owner.ts';

/** The slice of the file store the engine reads: a file, with or without its bytes, scoped to its owner. */
export type FileReader = Pick<FileStore, 'content' | 'get'>;

export interface ResolveFileOptions {
  /** Portico's files; without them no file id names a file. */
  files: FileReader | undefined;
  owner: Owner;
  /** How many of the items, first, are a stored prompt's messages (see ResponseContext `promptLength`). */
  promptLength: number;
  /** How many of the items come before the request's input: the prompt's, then the history (a `previous_response_id` chain or a conversation). */
  historyLength: number;
  /** What the history is named by in a warning or an error. */
  historyParam: 'previous_response_id' | 'conversation';
  /**
   * False for a turn that is checked (and counted) but never sent: each file is looked up, not
   * read, and its part carries a data URL of its media type without the bytes.
   */
  read: boolean;
}

export interface ResolvedFiles {
  /** The items with each file id replaced by the file's bytes: new objects where a part changed. */
  items: Item[];
  /** History parts whose file is gone, one line each. */
  warnings: string[];
}

type FilePart = Extract<ContentPart, { type: 'input_file' | 'input_image' }>;
/** A file read (or looked up) for this turn; its data URL is made once, when first inlined. */
type Loaded =
  { mediaType: string; filename: string; bytes: number; content?: Buffer; url?: string } | undefined;

/** A part that names one of Portico's files and carries nothing else to send. */
function namesFile(part: ContentPart): part is FilePart & { file_id: string } {
  if (part.type === 'input_file') return !!part.file_id && !part.file_data && !part.file_url;
  return part.type === 'input_image' && !!part.file_id && !part.image_url;
}

function partsOf(item: Item): readonly ContentPart[] | undefined {
  if (item.type === 'message') return item.content;
  if (
    (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') &&
    Array.isArray(item.output)
  )
    return item.output;
  return undefined;
}

function withParts(item: Item, parts: ContentPart[]): Item {
  return item.type === 'message' ? { ...item, content: parts } : ({ ...item, output: parts } as Item);
}

/**
 * A file's media type, by its name's extension; a name without one is bytes of no known type.
 * mime-types (and its ~200 KB table) loads on the first file a request names, not at every start.
 */
export async function mediaTypeOf(filename: string): Promise<string> {
  const extension = extname(filename);
  if (!extension) return 'application/octet-stream';
  const { lookup } = await import('mime-types');
  return lookup(extension) || 'application/octet-stream';
}

/**
 * Each `input_file` and `input_image` part that names a file by `file_id` (and carries no data
 * or URL of its own), resolved against Portico's files for the request's owner: a file becomes
 * `file_data` (a base64 data URL with its media type) and its `filename`, an image an
 * `image_url` data URL, neither with the `file_id`, which no upstream knows. The items given are
 * left as they are (they are what is stored); undefined, after one scan, when no part names a
 * file.
 *
 * In this request's input, a file that is not the owner's (or not there, or expired) is a 400
 * naming the part, the same either way; an image part's file must be an image. In the history a
 * file deleted since is not an error the client could fix: the part becomes a note saying so,
 * with a warning. All the bytes inlined come to at most `LIMITS.inlinedFileBytes`.
 */
export async function resolveFileParts(
  items: readonly Item[],
  options: ResolveFileOptions,
): Promise<ResolvedFiles | undefined> {
  if (!items.some((item) => partsOf(item)?.some(namesFile))) return undefined;
  const loaded = new Map<string, Promise<Loaded>>();
  const load = (id: string): Promise<Loaded> => {
    let file = loaded.get(id);
    if (!file) loaded.set(id, (file = readFile(options, id)));
    return file;
  };
  const warnings: string[] = [];
  let inlined = 0;
  const out: Item[] = [];
  for (const [index, item] of items.entries()) {
    const parts = partsOf(item);
    if (!parts?.some(namesFile)) {
      out.push(item);
      continue;
    }
    const field = item.type === 'message' ? 'content' : 'output';
    const prompt = index < options.promptLength;
    const history = !prompt && index < options.historyLength;
    const resolved: ContentPart[] = [];
    for (const [at, part] of parts.entries()) {
      if (!namesFile(part)) {
        resolved.push(part);
        continue;
      }
      const path = prompt
        ? `prompt (message ${index}, ${field}[${at}].file_id)`
        : history
          ? `${options.historyParam} (context item ${index - options.promptLength}, ${field}[${at}].file_id)`
          : `input[${index - options.historyLength}].${field}[${at}].file_id`;
      const param = prompt ? 'prompt' : history ? options.historyParam : path;
      const file = await load(part.file_id);
      const problem = !file
        ? `No file found with id '${clip(part.file_id)}'.`
        : part.type === 'input_image' && !file.mediaType.startsWith('image/')
          ? `The file '${clip(part.file_id)}' (${clip(file.filename)}, ${file.mediaType}) is not an image.`
          : undefined;
      if (problem || !file) {
        if (!history)
          throw badRequest(param, `${path}: ${problem}`, file ? 'invalid_value' : 'file_not_found');
        warnings.push(`${path}: ${problem} The model was told the file is no longer available.`);
        resolved.push({
          type: 'input_text',
          text: `[The file ${clip(part.file_id)} is no longer available.]`,
        });
        continue;
      }
      inlined += file.bytes;
      if (inlined > LIMITS.inlinedFileBytes)
        throw badRequest(
          param,
          `${path}: the files this request inlines come to more than ${LIMITS.inlinedFileBytes} bytes, the limit.`,
          'limit_exceeded',
        );
      file.url ??= `data:${file.mediaType};base64,${file.content?.toString('base64') ?? ''}`;
      resolved.push(
        part.type === 'input_image'
          ? { type: 'input_image', image_url: file.url, detail: part.detail }
          : { type: 'input_file', file_data: file.url, filename: part.filename ?? file.filename },
      );
    }
    out.push(withParts(item, resolved));
  }
  return { items: out, warnings };
}

/** A file of the owner's, with its bytes when the turn is to be sent. */
async function readFile(options: ResolveFileOptions, id: string): Promise<Loaded> {
  const { files, owner } = options;
  const found = options.read ? await files?.content(id, owner) : undefined;
  const file = options.read ? found?.file : await files?.get(id, owner);
  if (!file) return undefined;
  const loaded = { mediaType: await mediaTypeOf(file.filename), filename: file.filename, bytes: file.bytes };
  return found ? { ...loaded, content: found.content } : loaded;
}

import type { HttpBindings } from '@hono/node-server';
import { badRequest } from '../api/errors.ts';
import { nextTurn } from '../next-turn.ts';
import { readBytes } from './read-json.ts';

/** A file part of a form: its name as sent and its bytes. */
export interface FormFile {
  name: string;
  bytes: Buffer;
}

export interface FormBody {
  /** Text fields, `a[b]` names nested as `{a: {b}}` (the SDK's way of sending objects). */
  fields: Record<string, unknown>;
  files: Map<string, FormFile>;
}

/**
 * Bytes of the body handed to the parser per turn of the event loop: a form of 64 MiB parsed at
 * once (undici's `formData()`) held the loop 157-184 ms; busboy parses as it is fed.
 */
const PARSE_SLICE_BYTES = 1024 * 1024;

/**
 * The file part `name` of a form, or a 400 naming it: missing, or sent as a text field (a part
 * without a filename, as `curl -F file=notes.txt` sends it without its `@`).
 */
export function formFile(form: FormBody, name: string): FormFile {
  const file = form.files.get(name);
  if (file) return file;
  if (name in form.fields)
    throw badRequest(
      name,
      `Invalid '${name}': it must be a file part of the form (with a filename), not a text field.`,
      'invalid_value',
    );
  throw badRequest(name, `Missing required parameter: '${name}'.`, 'missing_required_parameter');
}

/**
 * A `multipart/form-data` body of at most `limit` bytes (counted as it arrives), or a 400
 * saying why it is not one.
 */
export async function readForm(http: HttpBindings, limit: number): Promise<FormBody> {
  const type = http.incoming.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type))
    throw badRequest(null, 'The request body must be multipart/form-data.', 'invalid_content_type');
  const { bytes } = await readBytes(http, limit);
  try {
    return await parseForm(bytes, type);
  } catch {
    throw badRequest(null, 'The request body is not valid multipart/form-data.', 'invalid_body');
  }
}

async function parseForm(bytes: Buffer, type: string): Promise<FormBody> {
  const { default: busboy } = await import('busboy');
  // Without a prototype, a field named `__proto__` is only a field.
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const files = new Map<string, FormFile>();
  const parser = busboy({ headers: { 'content-type': type }, defParamCharset: 'utf8' });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      // A part cut short fails its stream as well as the parser: unhandled, it would end the process.
      stream.on('error', reject);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => files.set(name, { name: info.filename ?? '', bytes: Buffer.concat(chunks) }));
    });
    parser.on('field', (name, value) => {
      const nested = /^([^[\]]+)\[([^[\]]+)\]$/.exec(name);
      if (!nested) fields[name] = value;
      else {
        const parent = (fields[nested[1]!] ??= Object.create(null));
        if (typeof parent === 'object' && parent !== null)
          (parent as Record<string, unknown>)[nested[2]!] = value;
      }
    });
    parser.on('close', resolve);
    parser.on('error', reject);
  });
  // busboy fails a malformed part header inside write(): the rejection is awaited only below,
  // and left unhandled across the turns in between it ended the process.
  let failed = false;
  parsed.catch(() => (failed = true));
  for (let at = 0; at < bytes.length && !failed; at += PARSE_SLICE_BYTES) {
    parser.write(bytes.subarray(at, at + PARSE_SLICE_BYTES));
    await nextTurn();
  }
  parser.end();
  await parsed;
  return { fields, files };
}

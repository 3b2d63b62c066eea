import type { IncomingMessage } from 'node:http';
import { badRequest } from '../api/errors.ts';
import { readBytes } from './read-json.ts';

export interface FormBody {
  /** Text fields, `a[b]` names nested as `{a: {b}}` (the SDK's way of sending objects). */
  fields: Record<string, unknown>;
  files: Map<string, File>;
}

/**
 * A `multipart/form-data` body of at most `limit` bytes (counted as it arrives), or a 400
 * saying why it is not one.
 */
export async function readForm(incoming: IncomingMessage, limit: number): Promise<FormBody> {
  const type = incoming.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type))
    throw badRequest(null, 'The request body must be multipart/form-data.', 'invalid_content_type');
  const { bytes } = await readBytes(incoming, limit);
  let form: FormData;
  try {
    form = await new Response(new Blob([new Uint8Array(bytes)]), {
      headers: { 'content-type': type },
    }).formData();
  } catch {
    throw badRequest(null, 'The request body is not valid multipart/form-data.', 'invalid_body');
  }
  // Without a prototype, a field named `__proto__` is only a field.
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const files = new Map<string, File>();
  form.forEach((value, name) => {
    if (typeof value !== 'string') {
      files.set(name, value);
      return;
    }
    const nested = /^([^[\]]+)\[([^[\]]+)\]$/.exec(name);
    if (!nested) fields[name] = value;
    else {
      const parent = (fields[nested[1]!] ??= Object.create(null));
      if (typeof parent === 'object' && parent !== null)
        (parent as Record<string, unknown>)[nested[2]!] = value;
    }
  });
  return { fields, files };
}

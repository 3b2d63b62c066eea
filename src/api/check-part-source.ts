import { badRequest } from './errors.ts';
import type { LocatedPart } from './item-parts.ts';

/** Where each kind of part may take what it carries from, as a client reads it in an error. */
const SOURCES = {
  input_image: 'image_url (a URL or a data URL) or file_id (a file uploaded to Portico)',
  input_file: 'file_data (a base64 data URL), file_url or file_id (a file uploaded to Portico)',
} as const;

/**
 * An image or file part must say where its content comes from: one of its source fields, not
 * empty. A part without one is a 400 naming it where it enters, before any model or file is
 * read: past this check every such part has a source, and each provider's own refusals are
 * about what it cannot send, never about what is missing.
 */
export function checkPartSource({ path, part }: Pick<LocatedPart, 'path' | 'part'>): void {
  if (part.type !== 'input_image' && part.type !== 'input_file') return;
  const source =
    part.type === 'input_image'
      ? part.image_url || part.file_id
      : part.file_data || part.file_url || part.file_id;
  if (source) return;
  throw badRequest(
    path,
    `${path}: an ${part.type} part needs a source: give ${SOURCES[part.type]}.`,
    'missing_required_parameter',
  );
}

import type { FilePurpose } from '../api/files.ts';
import type { Owner } from './owner.ts';

/** A file as the API answers it (`status` is always `processed`: a stored file is ready). */
export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds; absent when the file never expires. */
  expires_at?: number;
  filename: string;
  purpose: FilePurpose;
  status: 'processed';
  status_details: null;
}

export interface FilePageQuery {
  limit: number;
  order: 'asc' | 'desc';
  /** A file id: the page starts after it, in the requested order. */
  after?: string;
  purpose?: string;
}

export interface FilePage {
  object: 'list';
  data: FileObject[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/**
 * Uploaded files and their bytes. One interface, several backends; the same contract suite
 * (test/file-store-contract.ts) runs over each. Every method is scoped to an owner, and a file
 * past its `expires_at` is gone for every method (its row is removed by the next upload).
 */
export interface FileStore {
  create(file: FileObject, content: Uint8Array, owner: Owner): Promise<void>;
  get(id: string, owner: Owner): Promise<FileObject | undefined>;
  /** The file with its bytes. */
  content(id: string, owner: Owner): Promise<{ file: FileObject; content: Buffer } | undefined>;
  /** One page, in upload order; an unknown `after` is a 400. */
  list(owner: Owner, page: FilePageQuery): Promise<FilePage>;
  delete(id: string, owner: Owner): Promise<boolean>;
}

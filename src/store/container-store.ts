import type { Owner } from './owner.ts';

/** A code interpreter container, as `/v1/containers` answers it. */
export interface ContainerObject {
  id: string;
  object: 'container';
  name: string;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds of the last use: a container expires `expires_after.minutes` after it. */
  last_active_at: number;
  status: 'running' | 'expired';
  expires_after: { anchor: 'last_active_at'; minutes: number };
  memory_limit: string;
}

/** A file in a container, as `/v1/containers/{id}/files` answers it. */
export interface ContainerFileObject {
  id: string;
  object: 'container.file';
  container_id: string;
  /** Where code finds it: `/mnt/data/<name>`. */
  path: string;
  bytes: number;
  /** Unix seconds. */
  created_at: number;
  /** `user` for files given to the container, `assistant` for files its code wrote. */
  source: 'user' | 'assistant';
}

export interface ContainerPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface ContainerPageQuery {
  limit: number;
  order: 'asc' | 'desc';
  /** An id: the page starts after it. An unknown one gives an empty page. */
  after?: string;
}

/**
 * Containers and their files. One interface, SQLite and PostgreSQL behind it, the same
 * contract suite (test/container-store-contract.ts) over both. Every method is scoped to an
 * owner: another owner's container is unknown.
 */
export interface ContainerStore {
  create(container: ContainerObject, owner: Owner): Promise<void>;
  get(id: string, owner: Owner): Promise<ContainerObject | undefined>;
  list(owner: Owner, page: ContainerPageQuery): Promise<ContainerPage<ContainerObject>>;
  /** Records a use (`last_active_at`); false when the container is unknown or expired. */
  touch(id: string, owner: Owner, at: number): Promise<boolean>;
  /** Marks every container idle past its expiry as expired and drops its files; returns their ids. */
  expire(now: number): Promise<string[]>;
  /** Deletes the container and its files. */
  delete(id: string, owner: Owner): Promise<boolean>;
  /** Adds a file, replacing the container's file at the same path. False when the container is unknown. */
  putFile(file: ContainerFileObject, content: Buffer, owner: Owner): Promise<boolean>;
  getFile(containerId: string, fileId: string, owner: Owner): Promise<ContainerFileObject | undefined>;
  fileContent(containerId: string, fileId: string, owner: Owner): Promise<Buffer | undefined>;
  listFiles(
    containerId: string,
    owner: Owner,
    page: ContainerPageQuery,
  ): Promise<ContainerPage<ContainerFileObject> | undefined>;
  deleteFile(containerId: string, fileId: string, owner: Owner): Promise<boolean>;
  /** Every file, oldest first (what the sandbox mounts at /mnt/data); `fileContent` reads one's content. */
  allFiles(containerId: string, owner: Owner): Promise<ContainerFileObject[]>;
}

/** A page of rows fetched one past `limit`, as the API answers it. */
export function toContainerPage<T extends { id: string }>(rows: T[], limit: number): ContainerPage<T> {
  const data = rows.slice(0, limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: rows.length > limit,
  };
}

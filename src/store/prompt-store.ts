import type { PromptTemplate } from '../api/prompts.ts';
import type { Owner } from './owner.ts';

/** A prompt: what describes it, and how many versions it has. */
export interface PromptRecord {
  id: string;
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The newest version's number (versions count from 1 and never change once made). */
  latestVersion: number;
}

/** One version of a prompt. */
export interface PromptVersionRecord {
  promptId: string;
  version: number;
  template: PromptTemplate;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A prompt with one of its versions: what a read answers. */
export interface PromptAtVersion {
  prompt: PromptRecord;
  version: PromptVersionRecord;
}

export interface PromptPageQuery {
  limit: number;
  order: 'asc' | 'desc';
  /**
   * A prompt id (or, for versions, a version number as a string): the page starts after it. An
   * unknown one (or another owner's) is a 400 naming `after`, as in the other stores.
   */
  after?: string;
}

export interface PromptPage<T> {
  data: T[];
  has_more: boolean;
}

/**
 * Reusable prompts and their versions. One interface, SQLite and PostgreSQL behind it, the same
 * contract suite (test/prompt-store-contract.ts) over both. Every method is scoped to an owner:
 * another owner's prompt is unknown.
 */
export interface PromptStore {
  /** A new prompt with its first version (`latestVersion` 1). */
  create(
    prompt: Omit<PromptRecord, 'latestVersion'>,
    template: PromptTemplate,
    owner: Owner,
  ): Promise<PromptRecord>;
  /**
   * A new version, numbered one past the latest even when several are added at once (from
   * other workers and replicas); undefined when the prompt is unknown.
   */
  addVersion(
    id: string,
    template: PromptTemplate,
    createdAt: number,
    owner: Owner,
  ): Promise<PromptAtVersion | undefined>;
  /** The prompt at `version` (default its latest); undefined when either is unknown. */
  get(id: string, owner: Owner, version?: number): Promise<PromptAtVersion | undefined>;
  /** Changes what describes the prompt (a field left undefined is kept; null clears it). */
  update(
    id: string,
    owner: Owner,
    changes: Partial<Pick<PromptRecord, 'name' | 'description' | 'metadata'>>,
  ): Promise<PromptRecord | undefined>;
  /** Prompts by creation time (ties by id), each at its latest version, read in one query. */
  list(owner: Owner, page: PromptPageQuery): Promise<PromptPage<PromptAtVersion>>;
  /** A prompt's versions by number, with the prompt itself; undefined when the prompt is unknown. */
  listVersions(
    id: string,
    owner: Owner,
    page: PromptPageQuery,
  ): Promise<(PromptPage<PromptVersionRecord> & { prompt: PromptRecord }) | undefined>;
  /** Deletes the prompt and every version. */
  delete(id: string, owner: Owner): Promise<boolean>;
}

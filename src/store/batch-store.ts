import type { Owner } from './owner.ts';

/** Cloudflare's error shape, as a failed request of a batch carries it. */
export type BatchErrors = Array<{ code: number; message: string }>;

/** Token counts in Workers AI's terms. */
export interface RunUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * One request of a batch: a generation is the background response that runs it (`text`:
 * Workers AI's `prompt` / `messages` input, answered `{response, usage}`; `responses`: the
 * Response object); an embedding (`{text}`) is run as the batch is submitted and kept here,
 * with its usage, or the error it failed with.
 */
export type BatchEntry = {
  /** The caller's string for matching results, or null. */
  externalReference: string | null;
} & (
  | { shape: 'text' | 'responses'; responseId: string }
  | { shape: 'embedding'; outcome: { result: unknown; usage: RunUsage } | { errors: BatchErrors } }
);

/** A batch as Workers AI's `queueRequest` submits it: its requests' runs, in the order given. */
export interface Batch {
  id: string;
  owner: Owner;
  model: string;
  entries: BatchEntry[];
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/**
 * Batches on one backend. A batch is written once, after its entries were queued, and read
 * by its owner only: another project's id is not found.
 */
export interface BatchStore {
  create(batch: Batch): Promise<void>;
  get(id: string, owner: Owner): Promise<Batch | undefined>;
}

/** A stored row, as both backends read it (PostgreSQL reads BIGINT as text). */
export interface BatchRow {
  id: string;
  owner: string;
  model: string;
  entries_json: string;
  created_at: number | string;
}

export function toBatch(row: BatchRow): Batch {
  return {
    id: row.id,
    owner: row.owner,
    model: row.model,
    entries: JSON.parse(row.entries_json) as BatchEntry[],
    createdAt: Number(row.created_at),
  };
}

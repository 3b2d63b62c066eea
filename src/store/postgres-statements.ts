import type { Query } from './postgres-connection.ts';
import { MAX_CHAIN_DEPTH } from './sqlite-statements.ts';

const q = (name: string, text: string): Query => ({ name: `portico_responses_${name}`, text });

/** Every statement the PostgreSQL ResponseStore runs; named, so each connection prepares it once. */
export const SQL = {
  insertResponse: q(
    'insert',
    `INSERT INTO responses (id, owner, previous_response_id, status, created_at, updated_at, response_json, instance, background)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  ),
  /** Items of one kind in one round trip: positions, ids and JSON as parallel arrays. */
  insertItems: q(
    'insert_items',
    `INSERT INTO items (response_id, kind, position, item_id, item_json)
     SELECT $1, $2, position, item_id, item_json
     FROM unnest($3::int[], $4::text[], $5::text[]) AS given (position, item_id, item_json)`,
  ),
  updateResponse: q(
    'update',
    `UPDATE responses SET status = $3, updated_at = $4, response_json = $5 WHERE id = $1 AND owner = $2`,
  ),
  deleteOutputItems: q('delete_output', `DELETE FROM items WHERE response_id = $1 AND kind = 'output'`),
  selectResponse: q('select', `SELECT response_json FROM responses WHERE id = $1 AND owner = $2`),
  /**
   * The chain oldest first, each response's input then output items. The LEFT JOIN keeps a row
   * for a response without items, so no row at all means the response is unknown.
   */
  selectHistory: q(
    'history',
    `WITH RECURSIVE chain (id, previous_response_id, depth) AS (
       SELECT id, previous_response_id, 0 FROM responses WHERE id = $1 AND owner = $2
       UNION ALL
       SELECT r.id, r.previous_response_id, chain.depth + 1
       FROM chain JOIN responses AS r ON r.id = chain.previous_response_id
       WHERE r.owner = $2 AND chain.depth < ${MAX_CHAIN_DEPTH}
     )
     SELECT items.item_json FROM chain LEFT JOIN items ON items.response_id = chain.id
     ORDER BY chain.depth DESC, items.kind = 'output', items.position`,
  ),
  selectCursor: q(
    'cursor',
    `SELECT min(position) AS first, max(position) AS last FROM items
     WHERE response_id = $1 AND kind = 'input' AND item_id = $2`,
  ),
  selectInputPageAsc: q(
    'page_asc',
    `SELECT item_json FROM items WHERE response_id = $1 AND kind = 'input' AND position > $2
     ORDER BY position LIMIT $3`,
  ),
  selectInputPageDesc: q(
    'page_desc',
    `SELECT item_json FROM items WHERE response_id = $1 AND kind = 'input' AND position < $2
     ORDER BY position DESC LIMIT $3`,
  ),
  deleteResponse: q('delete', `DELETE FROM responses WHERE id = $1 AND owner = $2`),
  /** The interrupted work of lapsed instances ($1: this instance, $2: now); see sqlite-statements.ts INTERRUPTED. */
  selectUnfinished: q(
    'unfinished',
    // Only work whose instance holds no live lease was interrupted; background responses are
    // recovered by their run's lease instead (see BackgroundStore).
    `SELECT id, response_json FROM responses
     WHERE status IN ('queued', 'in_progress') AND NOT background AND instance IS DISTINCT FROM $1 AND NOT EXISTS (
       SELECT 1 FROM instances WHERE instances.id = responses.instance AND instances.expires_at > $2)
     FOR UPDATE OF responses SKIP LOCKED`,
  ),
  failResponse: q(
    'fail',
    `UPDATE responses SET status = 'failed', updated_at = $2, response_json = $3 WHERE id = $1`,
  ),
} as const;

import { interruptedWork } from './instance-store.ts';
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
  /**
   * Input items in one round trip (positions, ids and JSON as parallel arrays); an output item's
   * row holds only its id (insertOutputIds), its JSON is read from its response's (selectHistory).
   */
  insertInputItems: q(
    'insert_input_items',
    `INSERT INTO items (response_id, kind, position, item_id, item_json)
     SELECT $1, 'input', position, item_id, item_json
     FROM unnest($2::int[], $3::text[], $4::text[]) AS given (position, item_id, item_json)`,
  ),
  /** Output item ids (positions and ids as parallel arrays), so that an item_reference finds them. */
  insertOutputIds: q(
    'insert_output_ids',
    `INSERT INTO items (response_id, kind, position, item_id, item_json)
     SELECT $1, 'output', position, item_id, '' FROM unnest($2::int[], $3::text[]) AS given (position, item_id)
     ON CONFLICT (response_id, kind, position) DO UPDATE SET item_id = excluded.item_id`,
  ),
  /** The update and its output ids in one statement: none are written for a response deleted meanwhile. */
  updateResponse: q(
    'update',
    `WITH updated AS (
       UPDATE responses SET status = $3, updated_at = $4, response_json = $5 WHERE id = $1 AND owner = $2
       RETURNING id
     )
     INSERT INTO items (response_id, kind, position, item_id, item_json)
     SELECT updated.id, 'output', given.position, given.item_id, ''
     FROM updated, unnest($6::int[], $7::text[]) AS given (position, item_id)
     ON CONFLICT (response_id, kind, position) DO UPDATE SET item_id = excluded.item_id`,
  ),
  /** Newest first: the caller keeps the first row of each id (see readItems). */
  selectItems: q(
    'select_items',
    `SELECT items.item_id,
       CASE WHEN items.kind = 'output'
         THEN (responses.response_json::json -> 'output' -> items.position)::text
         ELSE items.item_json END AS item_json
     FROM items JOIN responses ON responses.id = items.response_id
     WHERE items.item_id = ANY($1::text[]) AND responses.owner = $2
     ORDER BY responses.created_at DESC, items.kind`,
  ),
  selectResponse: q('select', `SELECT response_json FROM responses WHERE id = $1 AND owner = $2`),
  /**
   * The chain oldest first, each response's input items (rows of their own) then its output
   * items (read from its JSON, where they already are). The LEFT JOIN keeps a row for a response
   * without input, so no row at all means the response is unknown. `json`, not `jsonb`: the
   * items come back byte for byte as written.
   */
  selectHistory: q(
    'history',
    `WITH RECURSIVE chain (id, previous_response_id, depth, response_json) AS (
       SELECT id, previous_response_id, 0, response_json FROM responses WHERE id = $1 AND owner = $2
       UNION ALL
       SELECT r.id, r.previous_response_id, chain.depth + 1, r.response_json
       FROM chain JOIN responses AS r ON r.id = chain.previous_response_id
       WHERE r.owner = $2 AND chain.depth < ${MAX_CHAIN_DEPTH}
     )
     SELECT item_json FROM (
       SELECT chain.depth AS depth, 0 AS part, items.position AS position, items.item_json AS item_json
       FROM chain LEFT JOIN items ON items.response_id = chain.id AND items.kind = 'input'
       UNION ALL
       SELECT chain.depth, 1, output.position, output.item::text
       FROM chain CROSS JOIN LATERAL
         json_array_elements(chain.response_json::json -> 'output') WITH ORDINALITY AS output (item, position)
     ) AS history
     ORDER BY depth DESC, part, position`,
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
  /** The interrupted work of lapsed instances ($1: this instance, $2: now); see interruptedWork. */
  selectUnfinished: q(
    'unfinished',
    // Only work whose instance holds no live lease was interrupted; background responses are
    // recovered by their run's lease instead (see BackgroundStore).
    `SELECT id, response_json FROM responses
     WHERE status IN ('queued', 'in_progress') AND NOT background AND ${interruptedWork('responses', '$1', '$2')}
     FOR UPDATE OF responses SKIP LOCKED`,
  ),
  failResponse: q(
    'fail',
    `UPDATE responses SET status = 'failed', updated_at = $2, response_json = $3 WHERE id = $1`,
  ),
} as const;

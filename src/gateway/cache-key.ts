import { createHash } from 'node:crypto';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Owner } from '../store/owner.ts';

/** Fields that change how an answer is delivered or filed, never what the model says. */
const DELIVERY_FIELDS = new Set([
  'stream',
  'stream_options',
  'store',
  'background',
  'metadata',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'service_tier',
  'client_metadata',
  'prompt_cache_options',
]);

/** JSON with sorted keys and no nulls: equal requests, however spelled, give equal text. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== null && field !== undefined) out[key] = canonical(field);
  }
  return out;
}

/** An input item without what a client may vary freely: its id and status; string content as parts. */
function normalizeItem(item: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, status: _status, ...rest } = item;
  if (rest.type === 'message' || (rest.type === undefined && 'role' in rest)) {
    const content = rest.content;
    const partType = rest.role === 'assistant' ? 'output_text' : 'input_text';
    return {
      ...rest,
      type: 'message',
      content: typeof content === 'string' ? [{ type: partType, text: content }] : content,
    };
  }
  return rest;
}

/** What the model is asked, as one canonical object: the identity of an answer. */
export function normalizedRequest(request: CreateResponseRequest): unknown {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) if (!DELIVERY_FIELDS.has(key)) fields[key] = value;
  fields.input =
    typeof request.input === 'string'
      ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: request.input }] }]
      : request.input.map((item) => normalizeItem(item as Record<string, unknown>));
  return canonical(fields);
}

/**
 * The cache key of a request: SHA-256 over the project and what identifies each step (every
 * step of a universal request): the client's own `cf-aig-cache-key` for it (`custom[i]`: a
 * step's own, else the request's), else its normalized request. One key named for every step
 * is the key alone. The project is always part of it: one project never reads another's answers.
 * `generation` sets apart what was cached before it changed (a gateway's settings, updated).
 */
export function cacheKey(
  project: Owner,
  requests: readonly CreateResponseRequest[],
  custom: readonly (string | undefined)[] = [],
  generation = '',
): string {
  const hash = createHash('sha256').update(project).update('\u0000');
  if (generation !== '') hash.update(`generation\u0000${generation}\u0000`);
  const named = custom[0];
  if (named !== undefined && requests.every((_, index) => custom[index] === named))
    hash.update(`custom\u0000${named}`);
  else
    hash.update(
      JSON.stringify(
        requests.map((request, index) => {
          const own = custom[index];
          return own === undefined ? normalizedRequest(request) : { cache_key: own };
        }),
      ),
    );
  return hash.digest('hex');
}

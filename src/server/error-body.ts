import type { ApiError } from '../api/errors.ts';
import { errorEnvelope } from '../api/workers-ai-envelope.ts';
import { anthropicErrorBody } from '../formats/anthropic-messages/anthropic-error.ts';

/** Cloudflare's REST paths, but for its OpenAI-compatible ones (`ai/v1/...`). */
const CLOUDFLARE_REST = /^\/client\/v4\/accounts\/[^/]+\/(?!ai\/v1\/)/;

/** Anthropic's Messages API, wherever it is mounted: `/v1/messages`, Workers AI's `ai/v1/messages`, AI Gateway's `anthropic/v1/messages`. */
const ANTHROPIC_MESSAGES = /\/v1\/messages(\/count_tokens)?\/?$/;

/**
 * An error as the API of `path` writes it (a missing key, an unknown gateway or path, a request
 * node refused before routing included): in Cloudflare's envelope on Cloudflare's REST paths,
 * in Anthropic's shape on the Messages API's, else OpenAI's shape.
 */
export function errorBody(path: string, error: ApiError) {
  if (CLOUDFLARE_REST.test(path)) return errorEnvelope(error);
  return ANTHROPIC_MESSAGES.test(path) ? anthropicErrorBody(error) : error.toJSON();
}

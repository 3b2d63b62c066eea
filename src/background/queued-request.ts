import { z } from 'zod';
import { PromptMessage, parseResponseRequest, type CreateResponseRequest } from '../api/request.ts';
import type { QueuedCaller } from '../gateway/gateway-call.ts';
import type { RequestOptions } from '../gateway/request-options.ts';

/**
 * What a background run keeps of its request: the body (input normalized), the gateway it came
 * through, and who queued it (its run acts for them, with their key's scopes and budget).
 */
export interface QueuedRequest {
  body: unknown;
  /** The gateway id the request named; null: the default. */
  gateway: string | null;
  caller: QueuedCaller;
  /** The stored prompt's messages as rendered when it was queued: the run uses the same. */
  promptMessages?: PromptMessage[];
  /**
   * What the request asked of its gateway (`cf-aig-*`: metadata, a stored key's alias, custom
   * cost, retries, ...): its run is logged, limited and served as the request was asked.
   */
  options?: RequestOptions;
}

/** A queued background run, as it leaves the queue to run. */
export interface ReadQueuedRequest {
  request: CreateResponseRequest;
  gateway: string | undefined;
  caller: QueuedCaller;
  options: RequestOptions;
}

/**
 * Runs queued before callers were recorded were admitted by the server that took them, which
 * then ran them with full trust; they keep running that way rather than being lost.
 */
const ADMITTED_BEFORE_CALLERS: QueuedCaller = { keyId: null, admin: true, authenticated: true };

const Queued = z.object({
  body: z.unknown(),
  gateway: z.string().nullable(),
  caller: z
    .object({ keyId: z.string().nullable(), admin: z.boolean(), authenticated: z.boolean() })
    .default(ADMITTED_BEFORE_CALLERS),
  promptMessages: z.array(PromptMessage).optional(),
  // Written by this code from options already checked; a field a later version drops is unread.
  options: z.record(z.string(), z.unknown()).default({}),
});

/** A stored run's request, checked again as it leaves the queue. */
export function readQueuedRequest(stored: unknown): ReadQueuedRequest {
  const queued = Queued.parse(stored);
  const request = parseResponseRequest(queued.body);
  if (queued.promptMessages) request.promptMessages = queued.promptMessages;
  return {
    request,
    gateway: queued.gateway ?? undefined,
    caller: queued.caller,
    options: queued.options as RequestOptions,
  };
}

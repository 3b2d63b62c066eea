import { z } from 'zod';
import { CreateResponseRequest, parseBody } from '../api/request.ts';
import type { QueuedCaller } from '../gateway/gateway-call.ts';

/**
 * What a background run keeps of its request: the body (input normalized), the gateway it came
 * through, and who queued it (its run acts for them, with their key's scopes and budget).
 */
export interface QueuedRequest {
  body: unknown;
  /** The gateway id the request named; null: the default. */
  gateway: string | null;
  caller: QueuedCaller;
}

const Queued = z.object({
  body: z.unknown(),
  gateway: z.string().nullable(),
  caller: z.object({ keyId: z.string().nullable(), admin: z.boolean(), authenticated: z.boolean() }),
});

/** A stored run's request, checked again as it leaves the queue. */
export function readQueuedRequest(stored: unknown): {
  request: CreateResponseRequest;
  gateway: string | undefined;
  caller: QueuedCaller;
} {
  const queued = Queued.parse(stored);
  return {
    request: parseBody(CreateResponseRequest, queued.body),
    gateway: queued.gateway ?? undefined,
    caller: queued.caller,
  };
}

import { z } from 'zod';
import { CreateResponseRequest, parseBody } from '../api/request.ts';

/** What a background run keeps of its request: the body (input normalized) and the gateway it came through. */
export interface QueuedRequest {
  body: unknown;
  /** The gateway id the request named; null: the default. */
  gateway: string | null;
}

const Queued = z.object({ body: z.unknown(), gateway: z.string().nullable() });

/** A stored run's request, checked again as it leaves the queue. */
export function readQueuedRequest(stored: unknown): {
  request: CreateResponseRequest;
  gateway: string | undefined;
} {
  const queued = Queued.parse(stored);
  return { request: parseBody(CreateResponseRequest, queued.body), gateway: queued.gateway ?? undefined };
}

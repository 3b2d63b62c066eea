import { z } from 'zod';
import { ApiError, badRequest, toApiError } from '../api/errors.ts';
import { parseJsonText } from '../api/parse-json-text.ts';
import { parseBody } from '../api/request.ts';
import { renameErrorParam } from './input-origin.ts';

const EventId = z
  .string({ error: 'eventId must be a string' })
  .min(1, 'eventId must not be empty')
  .max(256, 'eventId is at most 256 characters');

/**
 * A WebSockets API message (non-realtime): `{type: 'universal.create', request}`, the request
 * one universal step `{eventId, provider, endpoint, headers, query}` (Cloudflare's form) or a
 * list of steps tried in order, with the event id then beside it as `event_id`.
 */
const UniversalCreate = z.strictObject({
  type: z.literal('universal.create', { error: "type must be 'universal.create'" }),
  event_id: EventId.optional(),
  request: z.union([z.looseObject({ eventId: EventId.optional() }), z.array(z.unknown())], {
    error: 'request must be a universal request {provider, endpoint, headers, query}, or a list of them',
  }),
});

/** A message read: the id its answers carry and the steps it asks for, or why it asks for none. */
export type UniversalMessage =
  { eventId: string; steps: unknown; error?: undefined } | { eventId: string | undefined; error: ApiError };

/** The event id a message that fails to parse still names, for its error to carry. */
function namedEventId(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { event_id, request } = message as { event_id?: unknown; request?: unknown };
  const inner =
    typeof request === 'object' && request !== null ? (request as { eventId?: unknown }).eventId : undefined;
  const id = inner ?? event_id;
  return typeof id === 'string' && EventId.safeParse(id).success ? id : undefined;
}

/** One message of the WebSockets API, checked: a 400 names what is wrong (`request.eventId`, `type`). */
export function readUniversalMessage(text: string): UniversalMessage {
  let message: unknown;
  try {
    message = parseJsonText(text);
    const { event_id, request } = parseBody(UniversalCreate, message);
    const listed = Array.isArray(request);
    const eventId = listed ? event_id : (request.eventId ?? event_id);
    if (eventId === undefined)
      throw badRequest(
        listed ? 'event_id' : 'request.eventId',
        'Missing eventId: every request names the id its answers carry.',
        'missing_required_parameter',
      );
    if (listed) return { eventId, steps: request };
    const { eventId: _id, ...step } = request;
    return { eventId, steps: step };
  } catch (error) {
    return { eventId: namedEventId(message), error: toApiError(error) };
  }
}

/**
 * An error of the universal steps (`[0].query.prompt`, `[1].endpoint`) named as the message
 * spells them: `request.query.prompt` for one step, `request[1].endpoint` in a list.
 */
export function inMessageTerms(error: unknown, listed: boolean): unknown {
  return renameErrorParam(error, (param) => {
    if (!param.startsWith('[')) return param;
    return listed ? `request${param}` : param.replace(/^\[0\]\.?/, 'request.').replace(/\.$/, '');
  });
}

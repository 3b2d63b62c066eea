import { badRequest, notFound } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { Item } from '../api/items.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { ResponseObject } from '../api/response.ts';
import type { TurnRecord } from '../store/conversation-store.ts';
import type { EngineContext } from './engine-context.ts';

type ConversationParams = Pick<CreateResponseRequest, 'conversation' | 'previous_response_id'>;

/** The id of a request's `conversation` (given as an id or as `{id}`), if it names one. */
export function conversationOf(request: ConversationParams): string | undefined {
  if (!request.conversation) return undefined;
  if (request.previous_response_id)
    throw badRequest(
      'conversation',
      "Mutually exclusive parameters: provide only one of 'previous_response_id' or 'conversation'.",
      'mutually_exclusive_parameters',
    );
  return typeof request.conversation === 'string' ? request.conversation : request.conversation.id;
}

function store(ctx: EngineContext) {
  if (!ctx.conversations)
    throw badRequest('conversation', 'Conversations are not available here.', 'unsupported_parameter');
  return ctx.conversations;
}

/** The items of a conversation, oldest first: the history of a response made in it. */
export async function conversationItems(id: string, ctx: EngineContext): Promise<Item[]> {
  const items = await store(ctx).items(id, ctx.owner);
  if (!items)
    throw notFound(`Conversation with id '${clip(id)}' not found.`, 'conversation_not_found', 'conversation');
  return items;
}

/**
 * Serializes the responses of one conversation: each reads the conversation after the one
 * before it appended, so none is interleaved with another or lost. Resolves to the release.
 */
export async function lockConversation(request: ConversationParams, ctx: EngineContext): Promise<() => void> {
  const id = conversationOf(request);
  if (id === undefined || !ctx.conversationLocks) return () => {};
  return ctx.conversationLocks.acquire(`${ctx.owner}\u0000${id}`);
}

/** Whether a finished response adds its turn: a conversation holds only turns that were answered. */
export function joinsConversation(response: ResponseObject): boolean {
  return response.status === 'completed' || response.status === 'incomplete';
}

/**
 * Adds a finished response's input and output to its conversation; with `turn`, the record of
 * the response too, in the same transaction, so that a crash leaves both or neither.
 */
export async function appendToConversation(
  id: string,
  input: readonly Item[],
  response: ResponseObject,
  ctx: EngineContext,
  turn?: TurnRecord,
): Promise<void> {
  const added = await store(ctx).append(id, [...input, ...(response.output as Item[])], ctx.owner, turn);
  if (!added)
    ctx.logger?.warn('the conversation was deleted while a response ran in it', {
      conversation: id,
      response: response.id,
    });
}

import { Hono } from 'hono';
import {
  CreateConversationBody,
  CreateConversationItemsBody,
  UpdateConversationBody,
} from '../../api/conversations.ts';
import { notFound } from '../../api/errors.ts';
import { itemsForClient } from '../../api/include.ts';
import { clip } from '../../api/limits.ts';
import { parseBody } from '../../api/request.ts';
import type { InputItem, Item } from '../../api/items.ts';
import { normalizeInput } from '../../engine/normalize-input.ts';
import { resolveItemReferences } from '../../engine/resolve-item-references.ts';
import type { Runtime } from '../../runtime.ts';
import type { ConversationObject } from '../../store/conversation-store.ts';
import type { Owner } from '../../store/owner.ts';
import type { AppEnv } from '../app-env.ts';
import { includeQuery } from '../include-query.ts';
import { pageQuery } from '../page-query.ts';
import { readJson } from '../read-json.ts';

/**
 * The items a call adds to a conversation, as stored. An `item_reference` is the item it
 * names, copied: from this conversation first, else from the owner's stored responses (the
 * response that made it, or one that sent it), as `input` references resolve.
 */
async function itemsToAdd(
  runtime: Runtime,
  items: InputItem[],
  owner: Owner,
  conversationId?: string,
): Promise<Item[]> {
  const given = await resolveItemReferences(
    items,
    [],
    async (ids) => {
      const found = new Map<string, Item>();
      if (conversationId !== undefined)
        for (const id of ids) {
          const item = await runtime.stores.conversations.item(conversationId, id, owner);
          if (item) found.set(id, item);
        }
      const rest = ids.filter((id) => !found.has(id));
      if (rest.length > 0)
        for (const [id, item] of await runtime.stores.responses.items(rest, owner)) found.set(id, item);
      return found;
    },
    'items',
  );
  return normalizeInput(given, runtime.newId, 'items');
}

/** The Conversations API: durable item lists that responses read and append to. */
export function conversationsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const conversations = runtime.stores.conversations;

  app.post('/conversations', async (c) => {
    const body = parseBody(CreateConversationBody, (await readJson(c.env, { optional: true })).value);
    const conversation: ConversationObject = {
      id: runtime.newId('conv'),
      object: 'conversation',
      metadata: body.metadata ?? {},
      created_at: Math.floor(runtime.now() / 1000),
    };
    const items = await itemsToAdd(runtime, body.items ?? [], c.get('owner'));
    await conversations.create(conversation, items, c.get('owner'));
    return c.json(conversation);
  });

  app.get('/conversations/:id', async (c) => {
    const conversation = await conversations.get(c.req.param('id'), c.get('owner'));
    if (!conversation) throw conversationNotFound(c.req.param('id'));
    return c.json(conversation);
  });

  app.post('/conversations/:id', async (c) => {
    const { metadata } = parseBody(UpdateConversationBody, (await readJson(c.env)).value);
    const conversation = await conversations.update(c.req.param('id'), metadata, c.get('owner'));
    if (!conversation) throw conversationNotFound(c.req.param('id'));
    return c.json(conversation);
  });

  app.delete('/conversations/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await conversations.delete(id, c.get('owner')))) throw conversationNotFound(id);
    return c.json({ id, object: 'conversation.deleted', deleted: true });
  });

  app.post('/conversations/:id/items', async (c) => {
    const id = c.req.param('id');
    const include = includeQuery(c.req.queries());
    const { items } = parseBody(CreateConversationItemsBody, (await readJson(c.env)).value);
    const added = await itemsToAdd(runtime, items, c.get('owner'), id);
    if (!(await conversations.append(id, added, c.get('owner')))) throw conversationNotFound(id);
    const data = itemsForClient(added, include);
    return c.json({
      object: 'list',
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  });

  app.get('/conversations/:id/items', async (c) => {
    const id = c.req.param('id');
    const include = includeQuery(c.req.queries());
    const page = await conversations.page(id, c.get('owner'), pageQuery(c.req.query()));
    if (!page) throw conversationNotFound(id);
    return c.json({ ...page, data: itemsForClient(page.data, include) });
  });

  app.get('/conversations/:id/items/:item', async (c) => {
    const { id, item: itemId } = c.req.param();
    const include = includeQuery(c.req.queries());
    const item = await conversations.item(id, itemId, c.get('owner'));
    if (!item) throw await itemNotFound(runtime, id, itemId, c.get('owner'));
    return c.json(itemsForClient([item], include)[0]);
  });

  app.delete('/conversations/:id/items/:item', async (c) => {
    const { id, item: itemId } = c.req.param();
    if (!(await conversations.deleteItem(id, itemId, c.get('owner'))))
      throw await itemNotFound(runtime, id, itemId, c.get('owner'));
    const conversation = await conversations.get(id, c.get('owner'));
    if (!conversation) throw conversationNotFound(id);
    return c.json(conversation);
  });

  return app;
}

function conversationNotFound(id: string) {
  return notFound(
    `Conversation with id '${clip(id)}' not found.`,
    'conversation_not_found',
    'conversation_id',
  );
}

/** Which of the two is missing: the conversation, or the item in it. */
async function itemNotFound(runtime: Runtime, id: string, itemId: string, owner: string) {
  if (!(await runtime.stores.conversations.get(id, owner))) return conversationNotFound(id);
  return notFound(
    `Item with id '${clip(itemId)}' not found in conversation '${clip(id)}'.`,
    'item_not_found',
    'item_id',
  );
}

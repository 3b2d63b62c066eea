import { z } from 'zod';
import { InputItem } from './items.ts';
import { Metadata } from './request.ts';

/** Items one call may add to a conversation, as OpenAI allows. */
export const MAX_ITEMS_PER_CALL = 20;

const Items = z
  .array(InputItem)
  .max(MAX_ITEMS_PER_CALL, `at most ${MAX_ITEMS_PER_CALL} items may be added at a time`);

/** `POST /v1/conversations`. */
export const CreateConversationBody = z.strictObject({
  metadata: Metadata.nullish(),
  items: Items.nullish(),
});

/** `POST /v1/conversations/:id`. */
export const UpdateConversationBody = z.strictObject({ metadata: Metadata });

/** `POST /v1/conversations/:id/items`. */
export const CreateConversationItemsBody = z.strictObject({
  items: Items.min(1, 'add at least one item'),
});

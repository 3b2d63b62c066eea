import { ApiError } from '../api/errors.ts';
import type { InputItem, Item } from '../api/items.ts';
import { outputText, type Usage } from '../api/response.ts';
import { startResponse } from './create-response.ts';
import type { EngineContext } from './engine-context.ts';
import { finalResponse } from './final-response.ts';

export const COMPACTION_INSTRUCTIONS =
  'You are compacting a conversation so that it can go on in less space. Write a concise summary ' +
  'of everything above that the rest of the conversation needs: what the user wants, the facts, ' +
  'names and numbers given, decisions made, work done and what is still open. Write only the summary.';

const ASK = 'Summarize the conversation so far.';

/** Tokens a summary may take: a quarter of the window, at most 1,024. */
export function summaryBudget(contextWindow: number): number {
  return Math.max(16, Math.min(1024, Math.floor(contextWindow / 4)));
}

/**
 * The model's own summary of `items`, made by the engine's two steps like any response (not
 * stored; `truncation: auto`, so a history longer than the window is summarized from its most
 * recent turns). A summary cut short by its token budget is kept as it is.
 */
export async function summarizeItems(
  model: string,
  contextWindow: number,
  items: readonly Item[],
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<{ summary: string; usage: Usage | undefined }> {
  const ask: Item = {
    type: 'message',
    id: ctx.newId('msg'),
    role: 'user',
    content: [{ type: 'input_text', text: ASK }],
  };
  const { events } = await startResponse(
    {
      model,
      input: [...items, ask] as InputItem[],
      instructions: COMPACTION_INSTRUCTIONS,
      store: false,
      truncation: 'auto',
      max_output_tokens: summaryBudget(contextWindow),
    },
    withoutHostedTools(ctx),
    signal,
  );
  const response = await finalResponse(events);
  if (response.status === 'failed')
    throw new ApiError({
      status: 502,
      type: 'server_error',
      code: 'compaction_failed',
      message: `The model could not summarize the conversation: ${response.error?.message ?? 'it failed'}.`,
    });
  return { summary: outputText(response.output).trim(), usage: response.usage ?? undefined };
}

/** A summary calls no tools. */
function withoutHostedTools(ctx: EngineContext): EngineContext {
  const { hostedTools: _none, ...rest } = ctx;
  return rest;
}

import type { Item } from '../api/items.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { buildContext } from './build-context.ts';
import { lockConversation } from './conversation-context.ts';
import { runSignal } from './run-signal.ts';
import { withFields } from '../with-fields.ts';
import type { EngineContext } from './engine-context.ts';
import { startRun, type RunOptions } from './run-response.ts';

export type { EngineContext };

export interface StartedResponse {
  /** The events of the response, from `response.created` to its terminal event. */
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>;
  /** What of the request was dropped or ignored because the model cannot take it; one line each. */
  warnings: string[];
  /** What the model was given: the previous response's context, then this request's input. */
  context: Item[];
}

/**
 * Starts a response in the engine's two steps: builds its context (build-context.ts), then
 * runs it as a loop of model turns (run-response.ts), waiting for the provider's first event,
 * so that anything failing before generation (unknown model, missing previous response, an
 * upstream 429) is an HTTP error with its status. Responses on one conversation run one
 * after another: each reads what the one before appended. A background worker passes
 * `resume` to run a queued response. `signal` aborts generation; the stored record then says
 * the response was cancelled. A run past its generation time limit (the model's, else the
 * engine's) is stopped: a 504 `generation_timeout` before its first event, else
 * `response.failed`.
 */
export async function startResponse(
  request: CreateResponseRequest,
  ctx: EngineContext,
  clientSignal: AbortSignal,
  options: Pick<RunOptions, 'resume' | 'recorded' | 'deferRecord'> = {},
): Promise<StartedResponse> {
  // Counted as running work from here until its record is written (see work-tracker.ts).
  const counted = ctx.work?.enter() ?? (() => undefined);
  const stop = runSignal(
    [clientSignal, ctx.work?.stopSignal],
    ctx.catalog.get(request.model)?.maxGenerationMs ?? ctx.maxGenerationMs,
  );
  let release = () => {};
  const leave = () => {
    stop.clear();
    release();
    counted();
  };
  try {
    const { signal } = stop;
    release = await lockConversation(request, ctx);
    const context = await buildContext(request, ctx, signal);
    return {
      events: await startRun(context, ctx, signal, withFields(options, { leave })),
      warnings: context.warnings,
      context: [...context.history, ...context.input],
    };
  } catch (error) {
    leave();
    throw error;
  }
}

import type { Item } from '../api/items.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { buildContext } from './build-context.ts';
import type { EngineContext } from './engine-context.ts';
import { startRun } from './run-response.ts';

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
 * upstream 429) is an HTTP error with its status. `signal` aborts generation; the stored
 * record then says the response was cancelled.
 */
export async function startResponse(
  request: CreateResponseRequest,
  ctx: EngineContext,
  clientSignal: AbortSignal,
): Promise<StartedResponse> {
  // Counted as running work from here until its record is written (see work-tracker.ts).
  const leave = ctx.work?.enter() ?? (() => undefined);
  try {
    const signal = ctx.work ? AbortSignal.any([clientSignal, ctx.work.stopSignal]) : clientSignal;
    const context = await buildContext(request, ctx);
    return {
      events: await startRun(context, ctx, signal, leave),
      warnings: context.warnings,
      context: [...context.history, ...context.input],
    };
  } catch (error) {
    leave();
    throw error;
  }
}

import { startResponse, type EngineContext } from '../engine/create-response.ts';
import type { ResponseObject } from '../api/response.ts';
import type { Owner } from '../store/owner.ts';
import { admitted, type HeldRecord, type Layer } from './gateway-call.ts';
import { recordingProvider, replayingProvider } from './recording-provider.ts';

/** The last layer: the engine runs the attempt's request for the principal's project. */
export function runEngine(engineFor: (owner: Owner) => EngineContext): Layer {
  return async (ctx) => {
    const { principal } = admitted(ctx);
    const attempt = ctx.attempt ?? { request: ctx.call.steps[0]!.request, signal: ctx.call.signal };
    const { replay, recorder } = ctx;
    // Each attempt records afresh: a failed attempt's model call is not part of the answer.
    if (recorder) Object.assign(recorder, { calls: 0, model: null, events: [], cacheable: true });
    const engine: EngineContext = {
      ...engineFor(principal.project),
      ...(ctx.call.previousItems ? { previousItems: ctx.call.previousItems } : {}),
      ...(ctx.storedKeys ? { storedKeyProvider: ctx.storedKeys } : {}),
      ...(replay
        ? { wrapProvider: (provider) => replayingProvider(provider, replay) }
        : recorder
          ? { wrapProvider: (provider, model) => recordingProvider(provider, model, recorder) }
          : {}),
    };
    const resume = ctx.call.resume;
    const recorded = (response: ResponseObject, counted: boolean) => {
      ctx.trace.recorded = { response, counted };
    };
    const { heldRecord } = ctx;
    const deferRecord =
      heldRecord && ((settle: NonNullable<HeldRecord['settle']>) => (heldRecord.settle = settle));
    const started = await startResponse(attempt.request, engine, attempt.signal, {
      recorded,
      ...(resume ? { resume } : {}),
      ...(deferRecord ? { deferRecord } : {}),
    });
    return {
      events: started.events,
      warnings: started.warnings,
      headers: {},
      step: 0,
      context: started.context,
    };
  };
}

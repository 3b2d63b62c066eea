import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { ModelEvent, Provider, Turn } from '../providers/provider.ts';
import type { CachedAnswer } from '../store/cache-store.ts';
import type { ModelEventRecorder } from './gateway-call.ts';

/** `provider` with another `generate`; what it says it cannot serve, and its token counts, stay its own. */
function withGenerate(provider: Provider, generate: Provider['generate']): Provider {
  return {
    generate,
    ...(provider.unsupported ? { unsupported: (turn: Turn) => provider.unsupported!(turn) } : {}),
    ...(provider.countInputTokens
      ? { countInputTokens: (turn: Turn, signal: AbortSignal) => provider.countInputTokens!(turn, signal) }
      : {}),
  };
}

/** The same provider, replaying a cached answer instead of calling the model. */
export function replayingProvider(provider: Provider, answer: CachedAnswer): Provider {
  return withGenerate(provider, async function* (_turn: Turn, signal: AbortSignal) {
    for (const event of answer.events) {
      if (signal.aborted) return;
      yield event;
    }
  });
}

/** The same provider, copying the model events of its generations into `recorder`. */
export function recordingProvider(
  provider: Provider,
  model: CatalogModel,
  recorder: ModelEventRecorder,
): Provider {
  return withGenerate(provider, async function* (turn: Turn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    recorder.calls += 1;
    recorder.model = model.id;
    // Only a one-turn answer replays as it was made: a tool loop ran tools between its turns.
    if (recorder.calls > 1) recorder.cacheable = false;
    for await (const event of provider.generate(turn, signal)) {
      if (event.type === 'finish' && (event.reason === 'error' || event.reason === 'content-filter'))
        recorder.cacheable = false;
      if (recorder.cacheable) recorder.events.push(event);
      yield event;
    }
  });
}

import type { NativeOutputItem } from '../api/response.ts';
import type { ModelEvent } from '../providers/provider.ts';

/** Which search call an event is of: its item's `type` (`web_search_call`) and `id`. */
export interface SearchCall {
  type: string;
  id: string;
}

/** A search call's own stream event, without fields: `response.<type>.<phase>`. */
export function searchEvent(call: SearchCall, phase: 'in_progress' | 'searching' | 'completed'): ModelEvent {
  return { type: 'native-item-event', itemId: call.id, event: { type: `response.${call.type}.${phase}` } };
}

/** The opening of a search call (web_search, file_search): its item in progress, then `in_progress`. */
export function* openSearch(item: NativeOutputItem): Generator<ModelEvent, void, undefined> {
  yield { type: 'native-item-start', item };
  yield searchEvent(item, 'in_progress');
}

import type { ModelEvent } from '../providers/provider.ts';
import type { ClientCall } from './client-tools.ts';
import type { IdGenerator } from './ids.ts';

/** The arguments of a tool search as the item carries them: an object, whatever the model wrote. */
function searchArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { query: text };
  }
}

/**
 * A provider's events with its calls in the client's terms (see client-tools.ts): a call to a
 * namespaced tool carries its namespace and own name; a client tool search becomes a
 * `tool_search_call` item once its arguments are complete.
 */
export function restoreClientCalls(
  events: AsyncIterable<ModelEvent>,
  calls: ReadonlyMap<string, ClientCall>,
  newId: IdGenerator,
): AsyncIterable<ModelEvent> {
  return calls.size === 0 ? events : restore(events, calls, newId);
}

async function* restore(
  events: AsyncIterable<ModelEvent>,
  calls: ReadonlyMap<string, ClientCall>,
  newId: IdGenerator,
): AsyncGenerator<ModelEvent, void, undefined> {
  const searches = new Map<string, string>();
  for await (const event of events) {
    if (event.type === 'tool-call-start') {
      const call = calls.get(event.name);
      if (call?.search) {
        searches.set(event.callId, '');
        continue;
      }
      if (call?.namespace !== undefined) {
        yield { ...event, name: call.name, namespace: call.namespace };
        continue;
      }
    } else if (event.type === 'tool-call-delta' && searches.has(event.callId)) {
      searches.set(event.callId, searches.get(event.callId)! + event.delta);
      continue;
    } else if (event.type === 'tool-call-end' && searches.has(event.callId)) {
      const item = {
        type: 'tool_search_call',
        id: newId('tsc'),
        call_id: event.callId,
        execution: 'client',
        arguments: searchArguments(searches.get(event.callId)!),
        status: 'completed',
      };
      searches.delete(event.callId);
      yield { type: 'native-item', item };
      continue;
    }
    yield event;
  }
}

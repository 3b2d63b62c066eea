import type { ModelEvent } from '../providers/provider.ts';

/**
 * How many tool calls one model turn may make: one without `parallel_tool_calls`, what is left
 * of `max_tool_calls` after the `used` calls of the response's earlier turns, or no limit
 * (undefined).
 */
export function toolCallLimit(
  request: {
    parallel_tool_calls?: boolean | null | undefined;
    max_tool_calls?: number | null | undefined;
  },
  used = 0,
): number | undefined {
  const limits = [
    ...(request.parallel_tool_calls === false ? [1] : []),
    ...(request.max_tool_calls != null ? [Math.max(0, request.max_tool_calls - used)] : []),
  ];
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

/**
 * Passes a provider's events through, leaving out every event of the tool calls past `limit`
 * (their start, argument deltas and end), so that the client never sees more calls than it
 * allowed, whatever the upstream did. Closing this generator closes the provider's.
 */
export function limitToolCalls(
  events: AsyncIterable<ModelEvent>,
  limit: number | undefined,
): AsyncIterable<ModelEvent> {
  // Without a limit the provider's own iterator is used: no extra hop per token.
  return limit === undefined ? events : dropCallsPast(events, limit);
}

async function* dropCallsPast(
  events: AsyncIterable<ModelEvent>,
  limit: number,
): AsyncGenerator<ModelEvent, void, undefined> {
  let kept = 0;
  const dropped = new Set<string>();
  for await (const event of events) {
    if (event.type === 'tool-call-start') {
      if (kept >= limit) {
        dropped.add(event.callId);
        continue;
      }
      kept++;
    } else if (
      (event.type === 'tool-call-delta' || event.type === 'tool-call-end') &&
      dropped.has(event.callId)
    )
      continue;
    yield event;
  }
}

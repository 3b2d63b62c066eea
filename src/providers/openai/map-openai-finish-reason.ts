import type { FinishReason } from '../provider.ts';

/**
 * How a Responses stream that ended without failing finished: `incomplete` says why it was cut
 * short; a completed response that called client tools waits for their outputs.
 */
export function mapOpenAiFinishReason(
  status: 'completed' | 'incomplete',
  incompleteReason: string | null | undefined,
  calledTools: boolean,
): FinishReason {
  if (status === 'incomplete') return incompleteReason === 'content_filter' ? 'content-filter' : 'length';
  return calledTools ? 'tool-calls' : 'stop';
}

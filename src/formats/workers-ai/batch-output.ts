import { hasEnded, type ResponseObject } from '../../api/response.ts';
import type { BatchEntry, BatchErrors, RunUsage } from '../../store/batch-store.ts';
import { failedResponseError } from '../failed-response-error.ts';
import { runUsage, toRunResult } from './run-output.ts';

type BatchResult =
  | { id: number; result: unknown; success: true; external_reference: string | null }
  | { id: number; errors: BatchErrors; success: false; external_reference: string | null };

export type BatchAnswer = { status: 'queued' | 'running' } | { responses: BatchResult[]; usage: RunUsage };

/**
 * A batch as a poll answers it: `queued` until one of its requests starts, `running` until all
 * have ended, then each request's result (in the shape a run of that input answers) in the
 * order given, and the usage of all of them. `responses[i]` is the stored response of a
 * generation's `entries[i]` (undefined for an embedding, or once deleted).
 */
export function batchAnswer(
  entries: readonly BatchEntry[],
  responses: ReadonlyArray<ResponseObject | undefined>,
): BatchAnswer {
  const live = responses.filter((response) => response !== undefined && !hasEnded(response));
  if (live.length > 0)
    return { status: live.length === responses.length && live.every(isQueued) ? 'queued' : 'running' };
  const usage: RunUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const results = entries.map((entry, id): BatchResult => {
    const response = responses[id];
    const outcome = entryOutcome(entry, response);
    const used = 'usage' in outcome ? outcome.usage : response && runUsage(response);
    if (used) {
      usage.prompt_tokens += used.prompt_tokens;
      usage.completion_tokens += used.completion_tokens;
      usage.total_tokens += used.total_tokens;
    }
    const external_reference = entry.externalReference;
    return 'errors' in outcome
      ? { id, errors: outcome.errors, success: false, external_reference }
      : { id, result: outcome.result, success: true, external_reference };
  });
  return { responses: results, usage };
}

const isQueued = (response: ResponseObject | undefined) => response?.status === 'queued';

/** A request's result as its own run answers it, or the error that run would fail with. */
function entryOutcome(
  entry: BatchEntry,
  response: ResponseObject | undefined,
): { result: unknown; usage?: RunUsage } | { errors: BatchErrors } {
  if (entry.shape === 'embedding') return entry.outcome;
  if (!response)
    return { errors: [{ code: 404, message: `This request's response ${entry.responseId} was deleted.` }] };
  if (response.status === 'cancelled')
    return {
      errors: [
        { code: 409, message: `This request's response ${entry.responseId} was cancelled before it ended.` },
      ],
    };
  if (response.status === 'failed') {
    const { status, message } = failedResponseError(response);
    return { errors: [{ code: status, message }] };
  }
  return { result: entry.shape === 'text' ? toRunResult(response) : response };
}

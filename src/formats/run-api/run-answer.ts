import type { ApiError } from '../../api/errors.ts';
import { hasEnded, type ResponseObject } from '../../api/response.ts';
import type { RunAnswer, RunServer } from '../../api/run-api.ts';
import type { CatalogModel } from '../../catalog/catalog-model.ts';
import type { BatchEntry } from '../../store/batch-store.ts';
import { failedResponseError } from '../failed-response-error.ts';
import { toRunResult } from '../workers-ai/run-output.ts';

/**
 * Who serves `model`: its provider, and whether a provider key stored for the gateway served it
 * (`usedBYOKKey`, Cloudflare's BYOK: false when the provider's configured key did, or no key was
 * needed). A model since removed from the config keeps its id's provider part.
 */
export function runServer(id: string, model: CatalogModel | undefined, usedStoredKey = false): RunServer {
  return {
    model: id,
    provider: model?.provider ?? id.split('/')[0] ?? id,
    usedBYOKKey: usedStoredKey,
  };
}

/** A failed run: the error's code (its type where it has none) and message. */
export function failedRun(error: ApiError, server: RunServer): RunAnswer {
  return { state: 'Failed', error: { code: error.code ?? error.type, message: error.message }, ...server };
}

/**
 * A background run as a poll answers it: `Queued`, `Running`, then its result (in the shape a
 * run of its input answers: `{response, usage}` for `prompt` / `messages`, the Response for a
 * Responses input) or why it failed. `response` is its stored response, undefined once deleted.
 */
export function polledRun(
  runId: string,
  entry: BatchEntry,
  response: ResponseObject | undefined,
  server: RunServer,
): RunAnswer {
  if (entry.shape === 'embedding') throw new Error('a background run is a generation');
  const failed = (code: string, message: string): RunAnswer => ({
    state: 'Failed',
    error: { code, message },
    runId,
    ...server,
  });
  if (!response)
    return failed('run_deleted', `The response ${entry.responseId} that ran this run was deleted.`);
  if (!hasEnded(response))
    return { state: response.status === 'queued' ? 'Queued' : 'Running', runId, model: server.model };
  if (response.status === 'cancelled')
    return failed('run_cancelled', `The response ${entry.responseId} that ran this run was cancelled.`);
  if (response.status === 'failed') return { ...failedRun(failedResponseError(response), server), runId };
  const result = entry.shape === 'text' ? toRunResult(response) : response;
  return { state: 'Completed', result, runId, ...server };
}

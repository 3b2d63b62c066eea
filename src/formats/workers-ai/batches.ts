import { badRequest, notFound, toApiError } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import type { IdGenerator } from '../../engine/ids.ts';
import { batchEntryError, type BatchRequest } from './batch-input.ts';
import { batchAnswer, type BatchAnswer } from './batch-output.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';
import { embedThroughGateway } from '../../gateway/embed-through-gateway.ts';
import type { GatewayCall } from '../../gateway/gateway-call.ts';
import { modelStep } from '../parse-step.ts';
import { runEmbeddingOutput } from './run-embeddings.ts';
import type { EmbeddingResult } from '../../providers/provider.ts';
import type { Embedder } from '../../retrieval/embedder.ts';
import type { Batch, BatchEntry, BatchStore } from '../../store/batch-store.ts';
import type { ResponseObject } from '../../api/response.ts';
import type { Owner } from '../../store/owner.ts';
import type { ResponseStore } from '../../store/response-store.ts';
import type { BackgroundResponses } from '../../background/background-responses.ts';

/** Embeddings of one batch run at once. */
const EMBEDDINGS_AT_ONCE = 4;

export interface BatchesDeps {
  background: BackgroundResponses;
  /** What an embedding runs through: the gateway, and the embedder it calls. */
  embedding: { gateway: Gateway; embedder: Embedder };
  batches: BatchStore;
  responses: ResponseStore;
  newId: IdGenerator;
  now: () => number;
}

/** What a submitted batch answers: Workers AI's `{status, model, request_id}`. */
export interface QueuedBatch {
  status: 'queued';
  model: string;
  request_id: string;
}

/**
 * Workers AI batches (`queueRequest`): each generation a background response, so a batch runs
 * through the gateway request by request (keys, limits, logs, cost) and outlives a restart;
 * the batch itself is the list of those responses, read back when polled. Embeddings, which
 * background responses cannot express, are run as the batch is submitted and kept with it.
 */
export class Batches {
  constructor(private readonly deps: BatchesDeps) {}

  /**
   * Queues every request of a batch for `owner` (the project `call` is admitted as), each
   * admitted and validated before any is queued: a refusal names its `requests[i]`. A batch
   * of embeddings is run first (see #embed). `kind` is its id's prefix: a Run API background
   * run is a batch of one, `run_...`.
   */
  async submit(
    call: Omit<GatewayCall, 'steps'>,
    owner: Owner,
    model: string,
    requests: readonly BatchRequest[],
    kind: 'batch' | 'run' = 'batch',
  ): Promise<QueuedBatch> {
    const entries = await this.#entries(call, model, requests);
    const id = this.deps.newId(kind);
    await this.deps.batches.create({ id, owner, model, entries, createdAt: this.deps.now() });
    return { status: 'queued', model, request_id: id };
  }

  async #entries(
    call: Omit<GatewayCall, 'steps'>,
    model: string,
    requests: readonly BatchRequest[],
  ): Promise<BatchEntry[]> {
    const generations = requests.filter((request) => request.shape !== 'embedding');
    if (generations.length < requests.length) return this.#embed(call, model, requests);
    const calls = generations.map((request) => ({ ...call, steps: [request.step] }));
    const queued = await this.deps.background.submitAll(calls, batchEntryError);
    return generations.map((request, index) => ({
      shape: request.shape,
      responseId: queued[index]!.id,
      externalReference: request.externalReference,
    }));
  }

  /**
   * A batch of embeddings, run now (a few at a time), each through the gateway as a run of it
   * is, and kept with the batch: its request_id is answered once every result is on disk.
   * The first runs alone, so that what refuses them all (an unknown model, one out of the
   * key's scope) refuses the batch; a later failure is that request's result.
   */
  async #embed(
    call: Omit<GatewayCall, 'steps'>,
    model: string,
    requests: readonly BatchRequest[],
  ): Promise<BatchEntry[]> {
    const embed = async (request: BatchRequest, index: number): Promise<BatchEntry> => {
      if (request.shape !== 'embedding') throw new Error('a batch of embeddings holds embeddings only');
      let tokens = 0;
      const render = (result: EmbeddingResult) => {
        tokens = result.inputTokens;
        return runEmbeddingOutput(result);
      };
      const embedding = { ...call, steps: [modelStep(model).step] };
      try {
        const { value } = await embedThroughGateway(
          this.deps.embedding,
          embedding,
          request.embedding,
          render,
        );
        const usage = { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens };
        return {
          shape: 'embedding',
          outcome: { result: value, usage },
          externalReference: request.externalReference,
        };
      } catch (error) {
        const failure = toApiError(error);
        if (index === 0 && failure.status < 500 && failure.status !== 429) throw batchEntryError(error, 0);
        const errors = [{ code: failure.status, message: failure.message }];
        return { shape: 'embedding', outcome: { errors }, externalReference: request.externalReference };
      }
    };
    const entries: BatchEntry[] = [await embed(requests[0]!, 0)];
    let next = 1;
    const worker = async () => {
      while (next < requests.length) {
        const index = next++;
        entries[index] = await embed(requests[index]!, index);
      }
    };
    await Promise.all(Array.from({ length: EMBEDDINGS_AT_ONCE }, worker));
    return entries;
  }

  /** The batch `id` of `owner` as a poll answers it; another project's is not found. */
  async poll(id: string, owner: Owner, model: string): Promise<BatchAnswer> {
    const read = await this.read(id, owner);
    if (!read)
      throw notFound(`No batch found with request_id '${clip(id)}'.`, 'batch_not_found', 'request_id');
    if (read.batch.model !== model)
      throw badRequest('model', `The batch '${clip(id)}' runs ${read.batch.model}: poll it with that model.`);
    return batchAnswer(read.batch.entries, read.responses);
  }

  /**
   * The batch `id` of `owner` (undefined for another project's) and the stored response of
   * each generation among its entries (undefined for an embedding, or once deleted).
   */
  async read(
    id: string,
    owner: Owner,
  ): Promise<{ batch: Batch; responses: Array<ResponseObject | undefined> } | undefined> {
    const batch = await this.deps.batches.get(id, owner);
    if (!batch) return undefined;
    const responses = await Promise.all(
      batch.entries.map((entry) =>
        entry.shape === 'embedding' ? undefined : this.deps.responses.get(entry.responseId, owner),
      ),
    );
    return { batch, responses };
  }
}

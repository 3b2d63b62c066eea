import { z } from 'zod';
import { ApiError, badRequest } from '../../api/errors.ts';
import { LIMITS } from '../../api/limits.ts';
import { parseBody } from '../../api/request.ts';
import type { Step } from '../../gateway/gateway-call.ts';
import { renameErrorParam } from '../input-origin.ts';
import { workersAiStep } from '../parse-step.ts';
import type { EmbeddingCall } from '../../gateway/embed-through-gateway.ts';
import { isRunEmbeddingInput, runEmbeddingCall } from './run-embeddings.ts';
import { isRunTextInput } from './run-input.ts';

/** `{requests: [...]}` of `queueRequest`: each an ordinary input of the model, with its own `external_reference`. */
const BatchSubmission = z.strictObject({
  requests: z
    .array(
      z.looseObject({
        external_reference: z
          .string({ error: 'external_reference must be a string' })
          .max(LIMITS.externalReferenceChars)
          .optional(),
      }),
      { error: 'requests must be a list of inputs, each an object' },
    )
    .min(1, 'requests must hold at least one input')
    .max(LIMITS.batchRequests, `a batch holds at most ${LIMITS.batchRequests} requests`),
});

/** `{request_id}`: a batch's results asked for. */
const BatchPoll = z.strictObject({ request_id: z.string().min(1, 'request_id must not be empty') });

/**
 * One request of a batch, checked: a generation's step (run as a background response) and how
 * its result is shaped, or an embedding's call.
 */
export type BatchRequest = { externalReference: string | null } & (
  { shape: 'text' | 'responses'; step: Step } | { shape: 'embedding'; embedding: EmbeddingCall }
);

/** What a run's inputs ask of a batch: its results (`{request_id}`), or to submit one (`{requests}`). */
export type BatchAsk = { kind: 'poll'; requestId: string } | { kind: 'submit'; requests: BatchRequest[] };

/**
 * Whether a run's `inputs` are a batch's, and what they ask: a poll's `{request_id}`, or, with
 * `queueRequest`, `{requests}` (refused without it, naming `queueParam`); undefined: an ordinary run.
 */
export function batchAsk(
  model: string,
  inputs: unknown,
  queueRequest: boolean,
  queueParam: string,
): BatchAsk | undefined {
  const object = typeof inputs === 'object' && inputs !== null;
  if (object && 'request_id' in inputs)
    return { kind: 'poll', requestId: parseBody(BatchPoll, inputs).request_id };
  if (!queueRequest && !(object && 'requests' in inputs)) return undefined;
  if (!queueRequest)
    throw badRequest(queueParam, `requests is a batch: submit it with ${queueParam} set to true.`);
  return { kind: 'submit', requests: parseBatch(model, inputs) };
}

/**
 * A batch's requests, each checked as a run of `model` would check it, before anything is
 * queued: a bad one is a 400 naming `requests[i]...`.
 */
function parseBatch(model: string, inputs: unknown): BatchRequest[] {
  const { requests } = parseBody(BatchSubmission, inputs);
  if (Buffer.byteLength(JSON.stringify(inputs)) > LIMITS.batchBytes)
    throw badRequest(
      'requests',
      `A batch is at most ${LIMITS.batchBytes / 1024 / 1024} MiB of JSON: send its requests in several batches.`,
      'limit_exceeded',
    );
  const embeddings = requests[0] !== undefined && isRunEmbeddingInput(requests[0]);
  return requests.map(({ external_reference, ...input }, index) => {
    try {
      if (isRunEmbeddingInput(input) !== embeddings)
        throw badRequest(
          null,
          `A batch's requests are all embeddings ({text}) or all generations, as requests[0] is ${embeddings ? 'an embedding' : 'a generation'}.`,
        );
      const externalReference = external_reference ?? null;
      if (embeddings)
        return { shape: 'embedding', embedding: runEmbeddingCall(model, input), externalReference };
      return { ...queuedGeneration(model, input), externalReference };
    } catch (error) {
      throw batchEntryError(error, index);
    }
  });
}

/**
 * A generation's input as the background response that runs it (stored, never streamed), and
 * the shape its result is read back in.
 */
export function queuedGeneration(
  model: string,
  input: Record<string, unknown>,
): { shape: 'text' | 'responses'; step: Step } {
  if (input.stream === true)
    throw badRequest(
      'stream',
      "A queued request's result is read when it ends: leave stream out.",
      'unsupported_parameter',
    );
  const shape = isRunTextInput(input) ? 'text' : 'responses';
  const { step } = workersAiStep(model, input, false);
  if (shape === 'responses' && step.request.store === false)
    throw badRequest('store', "A queued request's result is stored: leave store out or set it to true.");
  return {
    step: { ...step, request: { ...step.request, background: true, store: true, stream: false } },
    shape,
  };
}

/**
 * A refusal of one request of a batch (its input, a `previous_response_id` not found), named as
 * `requests[i]...`; others pass as they are: a key refused, a limit reached, the batch's model unknown.
 */
export function batchEntryError(error: unknown, index: number): unknown {
  if (!(error instanceof ApiError) || (error.status !== 400 && error.status !== 404)) return error;
  if (error.param === 'model') return error;
  const place = `requests[${index}]`;
  if (error.param !== null) return renameErrorParam(error, (param) => `${place}.${param}`);
  return new ApiError({
    status: error.status,
    type: error.type,
    code: error.code,
    param: place,
    message: `${place}: ${error.message}`,
    retryable: error.retryable,
  });
}

import { ApiError, badRequest, toApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import { outputText, type ResponseObject, type Usage } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { ModelEvent, ModelUsage, Turn } from '../providers/provider.ts';
import type { Owner, ResponseStore } from '../store/response-store.ts';
import { failure, finishStatus } from './finish-status.ts';
import type { IdGenerator } from './ids.ts';
import { initialResponse } from './initial-response.ts';
import { normalizeInput } from './normalize-input.ts';
import { ResponseWriter } from './response-writer.ts';

export interface EngineContext {
  catalog: Catalog;
  store: ResponseStore;
  newId: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
  owner: Owner;
}

export interface StartedResponse {
  /** The events of the response, from `response.created` to its terminal event. */
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>;
}

/**
 * Starts a response: validates what needs the catalog and the store, rebuilds the context,
 * and waits for the provider's first event, so that anything failing before generation
 * (unknown model, missing previous response, an upstream 429) is an HTTP error with its
 * status. `signal` aborts generation; the stored record then says the response was cancelled.
 */
export async function startResponse(
  request: CreateResponseRequest,
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<StartedResponse> {
  refuseUnsupported(request);
  const { model, provider } = ctx.catalog.resolve(request.model);
  const input = normalizeInput(request.input, ctx.newId);
  const history = request.previous_response_id
    ? await previousContext(request.previous_response_id, ctx)
    : [];
  const turn: Turn = {
    model,
    instructions: request.instructions ?? undefined,
    items: [...history, ...input],
    tools: request.tools ?? [],
    toolChoice: request.tool_choice ?? 'auto',
    parallelToolCalls: request.parallel_tool_calls ?? true,
    text: request.text ?? { format: { type: 'text' } },
    reasoning: request.reasoning ?? undefined,
    sampling: {
      ...(request.temperature != null ? { temperature: request.temperature } : {}),
      ...(request.top_p != null ? { topP: request.top_p } : {}),
      ...(request.max_output_tokens != null ? { maxOutputTokens: request.max_output_tokens } : {}),
      ...(request.seed != null ? { seed: request.seed } : {}),
    },
    include: request.include ?? [],
  };

  const upstream = provider.generate(turn, signal)[Symbol.asyncIterator]();
  let first: IteratorResult<ModelEvent>;
  try {
    first = await upstream.next();
  } catch (error) {
    throw signal.aborted
      ? new ApiError({
          status: 499,
          type: 'invalid_request_error',
          message: 'The client closed the request.',
        })
      : toApiError(error);
  }

  const createdAt = Math.floor(ctx.now() / 1000);
  const writer = new ResponseWriter(
    initialResponse(ctx.newId('resp'), createdAt, model.id, request),
    ctx.newId,
  );
  const store = request.store !== false;
  if (store) await ctx.store.begin(writer.snapshot, input, ctx.owner);
  return { events: run(writer, first, upstream, { ctx, store, signal }) };
}

interface RunOptions {
  ctx: EngineContext;
  store: boolean;
  signal: AbortSignal;
}

async function* run(
  writer: ResponseWriter,
  first: IteratorResult<ModelEvent>,
  upstream: AsyncIterator<ModelEvent>,
  { ctx, store, signal }: RunOptions,
): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  let final: ResponseObject | undefined;
  let usage: ModelUsage | undefined;
  try {
    writer.lifecycle('response.created');
    writer.lifecycle('response.in_progress');
    yield* writer.drain();

    let ending: ReturnType<typeof finishStatus> | undefined;
    for (let next = first; !next.done; next = await upstream.next()) {
      const event = next.value;
      if (event.type === 'usage') usage = event.usage;
      if (event.type === 'finish') ending = finishStatus(event.reason, event.error);
      yield* writer.write(event);
      if (ending) break;
    }
    ending ??= { status: 'failed', incomplete_details: null, error: failure(undefined) };
    yield* end(writer, ending, usage, ctx);
  } catch (error) {
    if (signal.aborted) return; // the client left: `finally` records the cancellation
    yield* end(
      writer,
      { status: 'failed', incomplete_details: null, error: failure(toApiError(error)) },
      usage,
      ctx,
    );
  } finally {
    // Always close the provider's generator: it frees its resources (a sequence, a socket)
    // in its own `finally`, which a `break` after its finish event would never reach.
    await upstream.return?.();
    final = writer.snapshot;
    if (final.status === 'in_progress') {
      // Stopped before its terminal event: the client went away or stopped reading.
      writer.closeAll('incomplete');
      final = { ...writer.snapshot, status: 'cancelled', usage: toUsage(usage) };
    }
    if (store) await ctx.store.finish(final, ctx.owner);
  }
}

function* end(
  writer: ResponseWriter,
  ending: ReturnType<typeof finishStatus>,
  usage: ModelUsage | undefined,
  ctx: EngineContext,
): Generator<ResponseStreamEvent> {
  yield* writer.closeAll(ending.status === 'completed' ? 'completed' : 'incomplete');
  const type =
    ending.status === 'completed'
      ? 'response.completed'
      : ending.status === 'incomplete'
        ? 'response.incomplete'
        : 'response.failed';
  writer.lifecycle(type, {
    ...ending,
    completed_at: ending.status === 'completed' ? Math.floor(ctx.now() / 1000) : null,
    output_text: outputText(writer.snapshot.output),
    usage: toUsage(usage),
  });
  yield* writer.drain();
}

function toUsage(usage: ModelUsage | undefined): Usage {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: usage?.cachedInputTokens ?? 0,
      cache_write_tokens: usage?.cacheWriteTokens ?? 0,
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

async function previousContext(id: string, ctx: EngineContext): Promise<Item[]> {
  const history = await ctx.store.history(id, ctx.owner);
  if (!history) {
    throw new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      message: `Previous response with id '${id}' not found.`,
    });
  }
  return history;
}

/** Parameters Portico accepts in the schema but cannot honour yet are refused, never ignored. */
function refuseUnsupported(request: CreateResponseRequest): void {
  if (request.background)
    throw badRequest('background', 'Background responses are not supported yet.', 'unsupported_parameter');
  if (request.conversation)
    throw badRequest(
      'conversation',
      'Conversations are not supported yet: use previous_response_id.',
      'unsupported_parameter',
    );
  if (request.prompt)
    throw badRequest('prompt', 'Stored prompt templates are not supported.', 'unsupported_parameter');
}

import { ApiError, badRequest, toApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import { outputText, type ResponseObject, type Usage } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Logger } from '../logger.ts';
import type { ModelEvent, ModelUsage } from '../providers/provider.ts';
import type { Owner, ResponseStore } from '../store/response-store.ts';
import { buildTurn } from './build-turn.ts';
import { checkStrictOutput, strictOutputSpec, type StrictOutputSpec } from './check-strict-output.ts';
import { flattenClientItems } from './client-tools.ts';
import { failure, finishStatus } from './finish-status.ts';
import type { IdGenerator } from './ids.ts';
import { initialResponse } from './initial-response.ts';
import type { HostedToolsPolicy } from './hosted-tools.ts';
import { limitToolCalls, toolCallLimit } from './limit-tool-calls.ts';
import { normalizeInput } from './normalize-input.ts';
import { offerTools } from './offer-tools.ts';
import { restoreClientCalls } from './restore-client-calls.ts';
import { ResponseWriter } from './response-writer.ts';
import { settleUnsupported } from './settle-unsupported.ts';
import { validateTextFormat } from './validate-text-format.ts';
import { validateToolChoice } from './validate-tool-choice.ts';
import { prepareTools } from './validate-tools.ts';

export interface EngineContext {
  catalog: Catalog;
  store: ResponseStore;
  newId: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
  owner: Owner;
  /** Where warnings (what a request lost to its model) and strict-output failures are logged. */
  logger?: Logger;
  /** The global `drop_unsupported` setting; a model's own setting wins. */
  dropUnsupported?: boolean;
  /** Hosted tools a model's provider cannot run: dropped with a warning (the default) or refused. */
  hostedTools?: HostedToolsPolicy;
  /**
   * The context behind a `previous_response_id` from somewhere nearer than the store (a
   * WebSocket connection's cache), consulted first; undefined sends the lookup to the store.
   */
  previousItems?(id: string): Promise<Item[] | undefined>;
}

export interface StartOptions {
  /** `false` builds and checks the context without running the model: a WebSocket warm-up. */
  generate?: boolean;
  /** Chat Completions' `stop`: sequences that end the output (the Responses API has none). */
  stop?: string[] | undefined;
}

export interface StartedResponse {
  /** The events of the response, from `response.created` to its terminal event. */
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>;
  /** What of the request was dropped or ignored because the model cannot take it; one line each. */
  warnings: string[];
  /** What the model was given: the previous response's context, then this request's input. */
  context: Item[];
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
  options: StartOptions = {},
): Promise<StartedResponse> {
  refuseUnsupported(request);
  const { model, provider } = ctx.catalog.resolve(request.model);
  const tools = prepareTools(request.tools ?? []);
  const toolChoice = request.tool_choice ?? 'auto';
  validateToolChoice(toolChoice, tools.turn);
  const text = validateTextFormat(request.text);
  const input = normalizeInput(request.input, ctx.newId);
  const history = request.previous_response_id
    ? await previousContext(request.previous_response_id, ctx)
    : [];
  const context = [...history, ...input];
  const offered = offerTools(tools.turn, toolChoice, context);
  const { turn, warnings } = settleUnsupported(
    buildTurn(request, {
      model,
      items: flattenClientItems(context, offered.calls),
      tools: offered.tools.map(({ tool }) => tool),
      toolChoice: offered.toolChoice,
      text,
      stop: options.stop,
    }),
    {
      request,
      model: model.id,
      provider,
      dropUnsupported: model.dropUnsupported ?? ctx.dropUnsupported ?? false,
      historyLength: history.length,
      hostedTools: ctx.hostedTools ?? 'drop',
      toolPaths: offered.tools.map(({ path }) => path),
    },
  );
  if (warnings.length > 0)
    ctx.logger?.warn('request served without what the model cannot take', { model: model.id, warnings });

  const generated =
    options.generate === false
      ? warmUp()
      : limitToolCalls(provider.generate(turn, signal), toolCallLimit(request));
  const events = restoreClientCalls(generated, offered.calls, ctx.newId);
  const upstream = events[Symbol.asyncIterator]();
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
    initialResponse(ctx.newId('resp'), createdAt, model.id, { ...request, tools: tools.echo }),
    ctx.newId,
  );
  const store = request.store !== false;
  if (store) await ctx.store.begin(writer.snapshot, input, ctx.owner);
  const strict = strictOutputSpec(turn);
  return { events: run(writer, first, upstream, { ctx, store, signal, strict }), warnings, context };
}

/** A warm-up's model events: none, a finish. The response completes with no output. */
async function* warmUp(): AsyncGenerator<ModelEvent, void, undefined> {
  yield { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } };
  yield { type: 'finish', reason: 'stop' };
}

interface RunOptions {
  ctx: EngineContext;
  store: boolean;
  signal: AbortSignal;
  /** The strict schemas the output must match, if any. */
  strict: StrictOutputSpec | undefined;
}

async function* run(
  writer: ResponseWriter,
  first: IteratorResult<ModelEvent>,
  upstream: AsyncIterator<ModelEvent>,
  { ctx, store, signal, strict }: RunOptions,
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
    // Items the model finished stay completed even when the response fails their check.
    const closeAs = ending.status === 'completed' ? 'completed' : 'incomplete';
    const broken =
      ending.status === 'completed' && strict && checkStrictOutput(writer.snapshot.output, strict);
    if (broken) {
      ctx.logger?.warn('model output broke a strict schema', {
        response: writer.snapshot.id,
        problem: broken,
      });
      ending = {
        status: 'failed',
        incomplete_details: null,
        error: { code: 'server_error', message: broken },
      };
    }
    yield* end(writer, ending, usage, ctx, closeAs);
  } catch (error) {
    if (signal.aborted) return; // the client left: `finally` records the cancellation
    yield* end(
      writer,
      { status: 'failed', incomplete_details: null, error: failure(toApiError(error)) },
      usage,
      ctx,
      'incomplete',
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
  closeAs: 'completed' | 'incomplete',
): Generator<ResponseStreamEvent> {
  yield* writer.closeAll(closeAs);
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
  const history = (await ctx.previousItems?.(id)) ?? (await ctx.store.history(id, ctx.owner));
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

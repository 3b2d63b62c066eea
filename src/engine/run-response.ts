import { ApiError, shuttingDown, toApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import { outputText, type ResponseObject } from '../api/response.ts';
import { terminalEventType, type ResponseStreamEvent } from '../api/stream-events.ts';
import type { ToolChoice } from '../api/tools.ts';
import type { ModelEvent, ModelUsage, Turn } from '../providers/provider.ts';
import type { ResponseContext } from './build-context.ts';
import { checkStrictOutput, strictOutputSpec } from './check-strict-output.ts';
import { appendToConversation, joinsConversation } from './conversation-context.ts';
import type { EngineContext } from './engine-context.ts';
import { finishDurably } from './finish-durably.ts';
import { setFinishDetails, type FinishDetails } from './finish-details.ts';
import { failure, finishStatus } from './finish-status.ts';
import { HostedCallCapture, runHostedCalls } from './hosted-calls.ts';
import { HostedCitations } from './cite-hosted-results.ts';
import type { HostedResult } from './hosted-tool-runner.ts';
import { initialResponse } from './initial-response.ts';
import { limitToolCalls, toolCallLimit } from './limit-tool-calls.ts';
import { ResponseWriter } from './response-writer.ts';
import { CANCEL_REASON } from './run-signal.ts';
import { restoreClientCalls } from './restore-client-calls.ts';
import { countTurnUsage, type GeneratedText } from './count-turn-usage.ts';
import { addUsage, fromUsage, toUsage } from './usage.ts';
import { withFields } from '../with-fields.ts';

/** Model turns one response may take while Portico runs built-in tools between them. */
export const MAX_MODEL_TURNS = 16;

type Ending = ReturnType<typeof finishStatus>;

/** A model turn that has produced its first event (or ended without one). */
interface OpenTurn {
  first: IteratorResult<ModelEvent>;
  upstream: AsyncIterator<ModelEvent>;
}

/** The state of one running response, shared by its turns. */
interface Run {
  context: ResponseContext;
  ctx: EngineContext;
  writer: ResponseWriter;
  signal: AbortSignal;
  store: boolean;
  /**
   * A JSON answer's input, when its record waits for the end: nothing of it is acknowledged
   * before then, so it is begun whole, as it ended: one write instead of `begin` and `finish`.
   */
  recordAtEnd: readonly Item[] | undefined;
  usage: ModelUsage | undefined;
  /** The model turn running now, until its usage is in `usage`. */
  tally: TurnTally | undefined;
  /** Whether Portico counted the usage of a turn its provider did not report (countTurnUsage). */
  counted: boolean;
  /** Told how the response's record ended (RunOptions `recorded`). */
  recorded: RunOptions['recorded'];
  /** Takes the write of the end's record to settle later (RunOptions `deferRecord`). */
  deferRecord: RunOptions['deferRecord'];
  /** Calls to hosted tools made so far, against `max_tool_calls`. */
  hostedCalls: number;
  /** Counts the generation out of the work tracker (and frees its conversation) once its record is written. */
  leave: () => void;
}

/** A model turn as it runs: what it sent, whether its provider reported usage, the text it generated. */
interface TurnTally extends GeneratedText {
  turn: Turn;
  reported: boolean;
}

/**
 * The engine's second step: runs a built context as a loop of model turns. It waits for the
 * first turn's first event before anything is announced or stored, so a failure before
 * generation (an upstream 429, a local model that cannot load) is an HTTP error with its
 * status; the gateway's retries and fallbacks rely on that. After that, everything ends in
 * the stream: `signal` stops generation and the stored record says the response was
 * cancelled.
 */
export interface RunOptions {
  /** Called once the response has ended and everything about it is recorded. */
  leave?: () => void;
  /**
   * A queued background response that this run carries on: its stored object (already begun
   * and announced with `response.created` and `response.queued`) and the sequence number of
   * its next event.
   */
  resume?: { response: ResponseObject; sequence: number };
  /**
   * Told the response as its record ends (a client that left before the terminal event sees
   * none), and whether Portico counted some of its usage: the gateway's log reads both.
   */
  recorded?: (response: ResponseObject, counted: boolean) => void;
  /**
   * Takes the write of how the response ended (its store, its conversation's turn) to settle
   * later: kept (written) or dropped. A gateway policy that reads the answer before it is
   * released (DLP, Guardrails) keeps a blocked answer out of the store. The run holds its
   * conversation and its place among the running work until then. Without it the write runs
   * before the terminal event leaves.
   */
  deferRecord?: (settle: (keep: boolean) => Promise<void>) => void;
}

export async function startRun(
  context: ResponseContext,
  ctx: EngineContext,
  signal: AbortSignal,
  options: RunOptions = {},
): Promise<AsyncGenerator<ResponseStreamEvent, void, undefined>> {
  const { request } = context;
  const { resume } = options;
  const writer = resume
    ? new ResponseWriter(resume.response, ctx.newId, resume.sequence)
    : new ResponseWriter(
        initialResponse(
          ctx.newId('resp'),
          Math.floor(ctx.now() / 1000),
          context.model.id,
          withFields(request, { tools: context.echoTools }),
        ),
        ctx.newId,
      );
  writer.showEncrypted = context.turn.include.includes('reasoning.encrypted_content');
  const store = request.store !== false;
  // A stream acknowledges the response with its first event: it is on disk before that leaves.
  const recordAtEnd = store && !resume && request.stream !== true ? context.input : undefined;
  // Its record is begun while the model starts, so that the client's wait for the first event
  // is the longer of the two, not their sum; a response that fails before it has one has its
  // record taken back (nothing of it was announced).
  const begun =
    store && !resume && !recordAtEnd ? ctx.store.begin(writer.snapshot, context.input, ctx.owner) : undefined;
  begun?.catch(() => undefined);
  let opened: Awaited<ReturnType<typeof openFirstTurn>>;
  try {
    opened = await openFirstTurn(context, signal, ctx);
  } catch (error) {
    // A begin that failed may have landed all the same: a delete of no record changes nothing.
    if (begun)
      await begun
        .catch(() => undefined)
        .then(() => ctx.store.delete(writer.snapshot.id, ctx.owner))
        .catch(() => undefined);
    throw error;
  }
  const { turn: firstTurn, opening, first } = opened;
  if (begun) {
    try {
      await begun;
    } catch (error) {
      await first.upstream.return?.();
      // Nothing was acknowledged, but a store lost mid-commit may hold the record anyway:
      // end it as failed (a no-op when it is not there) rather than leave it in progress.
      const failed = { ...writer.snapshot, status: 'failed' as const, error: failure(toApiError(error)) };
      void finishDurably(ctx.store, failed, ctx.owner).catch(() => undefined);
      throw error;
    }
  }
  const leave = options.leave ?? (() => undefined);
  const run: Run = {
    context,
    ctx,
    writer,
    signal,
    store,
    recordAtEnd,
    usage: undefined,
    tally: undefined,
    counted: false,
    recorded: options.recorded,
    deferRecord: options.deferRecord,
    hostedCalls: 0,
    leave,
  };
  return runTurns(run, { turn: firstTurn, opening: opening.events }, first, resume !== undefined);
}

/** The first turn, with the hosted tools' work before it (calls the client approved), opened. */
async function openFirstTurn(context: ResponseContext, signal: AbortSignal, ctx: EngineContext) {
  const opening = (await context.hostedTools?.open(signal)) ?? { events: [], items: [] };
  const turn = { ...context.turn, items: [...context.turn.items, ...opening.items] };
  return { turn, opening, first: await openTurn(context, turn, 0, signal, ctx) };
}

/** Starts a model turn and waits for its first event. */
async function openTurn(
  context: ResponseContext,
  turn: Turn,
  usedCalls: number,
  signal: AbortSignal,
  ctx: EngineContext,
): Promise<OpenTurn> {
  const generated = context.generate
    ? limitToolCalls(context.provider.generate(turn, signal), toolCallLimit(context.request, usedCalls))
    : warmUp();
  const events = restoreClientCalls(generated, context.clientCalls, ctx.newId);
  const upstream = events[Symbol.asyncIterator]();
  try {
    return { first: await upstream.next(), upstream };
  } catch (error) {
    throw (
      stoppedBy(signal, ctx) ??
      (signal.aborted
        ? new ApiError({
            status: 499,
            type: 'invalid_request_error',
            message: 'The client closed the request.',
          })
        : toApiError(error))
    );
  }
}

/**
 * Why Portico stopped a run, when it was not the client: a shutdown, or a limit that aborted
 * the signal with an ApiError (the generation deadline). Undefined: the client went away.
 */
function stoppedBy(signal: AbortSignal, ctx: EngineContext): ApiError | undefined {
  if (ctx.work?.stopSignal.aborted)
    return shuttingDown('Portico shut down before the response finished; send it again.');
  return signal.aborted && signal.reason instanceof ApiError ? signal.reason : undefined;
}

/** A warm-up's model events: none, a finish. The response completes with no output. */
async function* warmUp(): AsyncGenerator<ModelEvent, void, undefined> {
  yield { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } };
  yield { type: 'finish', reason: 'stop' };
}

async function* runTurns(
  run: Run,
  start: { turn: Turn; opening: readonly ModelEvent[] },
  opened: OpenTurn,
  resumed: boolean,
): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  const { writer, context, ctx, signal } = run;
  let current = opened;
  try {
    if (!resumed) writer.lifecycle('response.created');
    writer.lifecycle('response.in_progress', { status: 'in_progress' });
    // A background response's record says it is running now, no longer queued.
    if (resumed && run.store) await ctx.store.finish(writer.snapshot, ctx.owner);
    yield* writer.drain();
    if (context.compaction) {
      // The history this response compacted: its first output item, which later turns read instead.
      yield* writer.write({ type: 'native-item', item: context.compaction.item });
      if (context.compaction.usage) run.usage = addUsage(run.usage, fromUsage(context.compaction.usage));
    }
    // What the hosted tools made while the response was prepared (an MCP server's tool list).
    for (const event of start.opening) yield* writer.write(event);

    let turn = start.turn;
    let ending: Ending | undefined;
    /** The error the provider finished with, when it finished with one. */
    let failedWith: ApiError | undefined;
    let stopSequence: string | undefined;
    for (let round = 1; ; round++) {
      const said = writer.snapshot.output.length;
      const capture = new HostedCallCapture(context.hostedTools);
      const citations = new HostedCitations(context.hostedTools);
      ending = undefined;
      const tally: TurnTally = { turn, reported: false, output: '', reasoning: '' };
      run.tally = tally;
      for (let next = current.first; !next.done; next = await current.upstream.next()) {
        const event = next.value;
        if ('delta' in event) tally.output += event.delta;
        if (event.type === 'reasoning-delta') tally.reasoning += event.delta;
        else if (event.type === 'tool-call-start') tally.output += event.name;
        for (const citation of citations.before(event)) yield* writer.write(citation);
        if (capture.take(event)) continue;
        if (event.type === 'usage') {
          run.usage = addUsage(run.usage, event.usage);
          tally.reported = true;
        }
        if (event.type === 'finish') {
          ending = finishStatus(event.reason, event.error);
          failedWith = event.error;
          stopSequence = event.stopSequence;
        }
        // A loop, not `yield*`: delegating to an array costs twice as much per event in an async generator.
        for (const written of writer.write(event)) yield written;
        if (ending) break;
      }
      await current.upstream.return?.();
      await settleUsage(run);
      // A provider may end quietly when stopped: the stop, not the provider, says how the run ends.
      if (!ending && signal.aborted) throw signal.reason;
      ending ??= { status: 'failed', incomplete_details: null, error: failure(undefined) };
      const runner = context.hostedTools;
      if (ending.status !== 'completed' || !runner || capture.calls.length === 0) break;
      if (round >= MAX_MODEL_TURNS) {
        ending = {
          status: 'failed',
          incomplete_details: null,
          error: {
            code: 'server_error',
            message: `The model was still calling built-in tools after ${MAX_MODEL_TURNS} turns.`,
          },
        };
        break;
      }
      yield* writer.closeAll('completed');
      const spoken = writer.snapshot.output.slice(said) as Item[];
      run.hostedCalls += capture.calls.length;
      const results = yield* writeThrough(writer, runHostedCalls(runner, capture.calls, signal));
      // A call the client runs (or must approve) ends the response: the client answers it in its next request.
      if (capture.clientCalls > 0 || results.awaitsClient) break;
      // A forced tool was called: later turns choose freely, or the loop would never end.
      turn = {
        ...turn,
        items: [...turn.items, ...spoken, ...results.items],
        toolChoice: unforced(turn.toolChoice),
      };
      current = await openTurn(context, turn, run.hostedCalls, signal, ctx);
    }
    // Items the model finished stay completed even when the response fails their check.
    const checked = checkOutput(run, ending);
    yield* end(run, checked.ending, ending.status === 'completed' ? 'completed' : 'incomplete', {
      cause: checked.cause ?? failedWith,
      stopSequence,
    });
  } catch (error) {
    // The record of the end failed (the store stayed away): the answer fails with it.
    if (ended(writer)) throw error;
    const stopped = stoppedBy(signal, ctx);
    if (signal.aborted && !stopped) {
      // Its owner cancelled it: the stream, which someone reads on, ends as the record does.
      if (signal.reason === CANCEL_REASON)
        yield* end(run, { status: 'cancelled', incomplete_details: null, error: null }, 'incomplete');
      // Else the client left: `finally` records the cancellation.
      return;
    }
    // A shutdown or a limit is no choice of the client's: it fails.
    if (!(error instanceof ApiError) && !signal.aborted)
      ctx.logger?.error('response failed on an internal error', {
        response: writer.snapshot.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    const cause = stopped ?? toApiError(error);
    const ending: Ending = { status: 'failed', incomplete_details: null, error: failure(cause) };
    yield* end(run, ending, 'incomplete', { cause });
  } finally {
    // Always close the provider's generator: it frees its resources (a sequence, a socket)
    // in its own `finally`, which a `break` after its finish event would never reach.
    await current.upstream.return?.();
    try {
      // Stopped before its terminal event: the client went away or stopped reading. A background
      // run has no client: its runner stopped it (a shutdown, a lost lease) and settles it itself
      // (interrupt-run.ts), which a record of `cancelled` here would pass for a cancel.
      if (!ended(writer) && !resumed) {
        writer.closeAll('incomplete');
        await settleUsage(run);
        const output_text = outputText(writer.snapshot.output);
        await record(run, {
          ...writer.snapshot,
          status: 'cancelled',
          output_text,
          usage: toUsage(run.usage),
        });
      }
    } finally {
      run.leave();
    }
  }
}

/** The tool choice of the turns after a forced call: `auto` over the same tools. */
function unforced(choice: ToolChoice): ToolChoice {
  if (choice === 'required' || (typeof choice === 'object' && choice.type !== 'allowed_tools')) return 'auto';
  if (typeof choice === 'object' && choice.type === 'allowed_tools') return { ...choice, mode: 'auto' };
  return choice;
}

/**
 * A completed response whose output breaks a strict schema fails. An upstream that ignored the
 * schema is at fault (a 502 where the answer is an HTTP error); a local model's grammar enforces
 * it, so there a break is Portico's own (a 500). A response no model answered (a warm-up, a
 * compaction trigger) has no output to check.
 */
function checkOutput(run: Run, ending: Ending): { ending: Ending; cause?: ApiError } {
  const strict = run.context.generate && strictOutputSpec(run.context.turn);
  const broken =
    ending.status === 'completed' && strict && checkStrictOutput(run.writer.snapshot.output, strict);
  if (!broken) return { ending };
  run.ctx.logger?.warn('model output broke a strict schema', {
    response: run.writer.snapshot.id,
    problem: broken,
  });
  const failed: Ending = {
    status: 'failed',
    incomplete_details: null,
    error: { code: 'server_error', message: broken },
  };
  if (run.context.model.provider === 'local') return { ending: failed };
  const cause = new ApiError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_error',
    message: broken,
  });
  return { ending: failed, cause };
}

/** Model events of a hosted tool run written as stream events; returns what the run returned. */
async function* writeThrough(
  writer: ResponseWriter,
  source: AsyncGenerator<ModelEvent, HostedResult, undefined>,
): AsyncGenerator<ResponseStreamEvent, HostedResult, undefined> {
  for (let next = await source.next(); ; next = await source.next()) {
    if (next.done) return next.value;
    yield* writer.write(next.value);
  }
}

/**
 * The response's end: its open items closed, then its terminal event, which acknowledges the
 * response and so leaves only once the record is on disk: a client that acts on it (a
 * retrieve, a `previous_response_id`) finds what it saw.
 */
async function* end(
  run: Run,
  ending: Ending,
  closeAs: 'completed' | 'incomplete',
  /** What a failed response failed with, and which stop sequence ended a completed one (finish-details.ts). */
  { cause, stopSequence }: FinishDetails = {},
): AsyncGenerator<ResponseStreamEvent> {
  const { writer, ctx } = run;
  yield* writer.closeAll(closeAs);
  await settleUsage(run);
  const terminal = writer.lifecycle(
    terminalEventType(ending.status),
    withFields(ending, {
      completed_at: ending.status === 'completed' ? Math.floor(ctx.now() / 1000) : null,
      output_text: outputText(writer.snapshot.output),
      usage: toUsage(run.usage),
    }),
  );
  if (cause && ending.status === 'failed') setFinishDetails(terminal, { cause });
  else if (stopSequence && ending.status === 'completed') setFinishDetails(terminal, { stopSequence });
  await record(run, writer.snapshot);
  yield* writer.drain();
}

/**
 * Adds the running turn's usage to the response's, once its turn is over: the provider's
 * when it reported it, else Portico's count of what the turn sent and generated.
 */
async function settleUsage(run: Run): Promise<void> {
  const { tally } = run;
  run.tally = undefined;
  if (!tally || tally.reported) return;
  run.usage = addUsage(run.usage, await countTurnUsage(tally.turn, tally, run.context.provider));
  run.counted = true;
}

/** Whether the terminal event was made (and the record of the end begun with it). */
function ended(writer: ResponseWriter): boolean {
  return writer.snapshot.status !== 'in_progress';
}

/** The record of how the response ended: its store and, answered, its conversation, in one transaction. */
async function record(run: Run, final: ResponseObject): Promise<void> {
  const { ctx, context, writer, recordAtEnd: input } = run;
  const response = writer.recordable(final);
  run.recorded?.(final, run.counted);
  const conversation = joinsConversation(response) ? context.conversation : undefined;
  const turn = run.store ? { response, input } : undefined;
  const write =
    conversation !== undefined
      ? () => appendToConversation(conversation, context.input, response, ctx, turn)
      : input && (() => ctx.store.begin(response, input, ctx.owner));
  const commit = async () => {
    if (run.store) await finishDurably(ctx.store, response, ctx.owner, write);
    else await write?.();
  };
  if (!run.deferRecord) return commit();
  const leave = run.leave;
  run.leave = () => undefined;
  run.deferRecord(async (keep) => {
    try {
      if (keep) await commit();
    } finally {
      leave();
    }
  });
}

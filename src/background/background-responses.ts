import { badRequest, notFound } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import { hasEnded, type ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { prepareContext } from '../engine/build-context.ts';
import type { EngineContext } from '../engine/engine-context.ts';
import { initialResponse } from '../engine/initial-response.ts';
import { ResponseWriter } from '../engine/response-writer.ts';
import type { BackgroundRun, BackgroundStore } from '../store/background-store.ts';
import type { Item } from '../api/items.ts';
import type { Owner } from '../store/owner.ts';
import type { BackgroundRunner } from './background-runner.ts';
import { closeStream } from './end-stream.ts';
import type { EventLog } from './event-log.ts';
import type { Gateway } from '../gateway/create-gateway.ts';
import { queuedCaller, stepOptions, type GatewayCall, type QueuedCaller } from '../gateway/gateway-call.ts';
import type { RequestOptions } from '../gateway/request-options.ts';
import { namesRoute } from '../gateway/route-candidates.ts';
import type { QueuedRequest } from './queued-request.ts';

export interface BackgroundDeps {
  /** Admits a background request as the gateway admits any (key, gateway, model scope, limits). */
  admit: Gateway['admit'];
  store: BackgroundStore;
  log: EventLog;
  runner: BackgroundRunner;
  engine: (owner: Owner) => EngineContext;
  /** How long a cancel waits for a run held by another instance to stop. */
  cancelWaitMs: number;
}

interface PreparedRun {
  response: ResponseObject;
  input: Item[];
  run: BackgroundRun;
  events: ResponseStreamEvent[];
}

/** Background responses as the routes and the binding use them: queue, follow, cancel. */
export class BackgroundResponses {
  constructor(private readonly deps: BackgroundDeps) {}

  /**
   * A background request from any entry point: admitted by the gateway (a refused key, an
   * unknown gateway, a model out of the key's scope or a limit reached is an error now), then
   * queued to run for whoever sent it.
   */
  async submit(call: GatewayCall): Promise<ResponseObject> {
    const [queued] = await this.submitAll([call]);
    return queued!;
  }

  /**
   * Several background requests, each admitted and validated before any is queued: a refusal
   * of one (thrown with `index`, its place among `calls`, for the caller to name) queues none.
   */
  async submitAll(
    calls: readonly GatewayCall[],
    failed: (error: unknown, index: number) => unknown = (error) => error,
  ): Promise<ResponseObject[]> {
    const prepared: PreparedRun[] = [];
    for (const [index, call] of calls.entries()) {
      try {
        const { principal, gateway } = await this.deps.admit(call);
        // A queued response names its model when it is queued; a route chooses one as it runs.
        if (call.steps.some(namesRoute))
          throw badRequest(
            'background',
            `A dynamic route ('${clip(call.steps[0]!.request.model)}') chooses its model as the request runs: it cannot run in the background. Send it without background, or name a model.`,
            'unsupported_parameter',
          );
        const caller = queuedCaller(principal);
        const step = call.steps[0]!;
        const queued = { gateway: gateway.id, caller, options: stepOptions(call, step) };
        prepared.push(await this.#prepare(step.request, principal.project, queued));
      } catch (error) {
        throw failed(error, index);
      }
    }
    return this.#queue(prepared);
  }

  /**
   * Validates the request as a foreground response would be (a 400 or 404 now, not a failed
   * run later) and makes its queued response, run and first events, for #queue to record.
   */
  async #prepare(
    request: CreateResponseRequest,
    owner: Owner,
    queued: { gateway: string | undefined; caller: QueuedCaller; options: RequestOptions },
  ): Promise<PreparedRun> {
    const ctx = this.deps.engine(owner);
    // Checked now, files looked up; the run builds it again and reads them then.
    const context = await prepareContext(request, ctx, undefined, 'check');
    const response: ResponseObject = {
      ...initialResponse(ctx.newId('resp'), Math.floor(ctx.now() / 1000), context.model.id, {
        ...request,
        tools: context.echoTools,
      }),
      status: 'queued',
    };
    const writer = new ResponseWriter(response, ctx.newId);
    writer.lifecycle('response.created');
    writer.lifecycle('response.queued');
    const { promptMessages, ...body } = request;
    const run = {
      responseId: response.id,
      owner,
      model: context.model.id,
      request: {
        body: { ...body, input: context.input, stream: false },
        gateway: queued.gateway ?? null,
        caller: queued.caller,
        ...(promptMessages ? { promptMessages } : {}),
        ...(Object.keys(queued.options).length ? { options: queued.options } : {}),
      } satisfies QueuedRequest,
    };
    return { response, input: context.input, run, events: writer.drain() };
  }

  /** Records each run as `queued` with its first events, and wakes the workers. */
  async #queue(prepared: readonly PreparedRun[]): Promise<ResponseObject[]> {
    for (const { response, input, run, events } of prepared)
      await this.deps.store.enqueue(response, input, run, events);
    this.deps.runner.wake();
    return prepared.map((run) => run.response);
  }

  /** The events of a background response after `after`, live until it ends; a 404 or 400 first. */
  async follow(
    id: string,
    owner: Owner,
    after: number,
    signal: AbortSignal,
  ): Promise<AsyncGenerator<ResponseStreamEvent, void, undefined>> {
    await this.#background(id, owner, 'streamed');
    return this.deps.log.follow(id, owner, after, signal);
  }

  /**
   * Cancels a background response: a queued one at once, a running one by stopping its run
   * (here, or through its lease on the instance that holds it). A finished one is returned as
   * it is, so cancelling twice is harmless.
   */
  async cancel(id: string, owner: Owner): Promise<ResponseObject> {
    const { store, runner } = this.deps;
    const responses = this.deps.engine(owner).store;
    const response = await this.#background(id, owner, 'cancelled');
    if (hasEnded(response)) return response;
    // A queued one is ended in the transaction that takes it out of the queue.
    const outcome = await store.cancel(id, owner, closeStream(response, { status: 'cancelled' }));
    if (outcome === 'running' && runner.stop(id)) await runner.settled(id);
    else if (outcome === 'running') await this.#untilEnded(id, owner);
    return (await responses.get(id, owner)) ?? response;
  }

  /** The background response `id`, or a 404, or a 400 naming what cannot be done to a foreground one. */
  async #background(id: string, owner: Owner, doing: 'streamed' | 'cancelled'): Promise<ResponseObject> {
    const response = await this.deps.engine(owner).store.get(id, owner);
    if (!response)
      throw notFound(`No response found with id '${clip(id)}'.`, 'response_not_found', 'response_id');
    if (!response.background)
      throw badRequest(
        doing === 'streamed' ? 'stream' : null,
        `Only background responses can be ${doing}; '${clip(id)}' was not created with background: true.`,
      );
    return response;
  }

  /** Waits (a bounded while) for another instance to stop a run it holds. */
  async #untilEnded(id: string, owner: Owner): Promise<void> {
    const store = this.deps.engine(owner).store;
    const deadline = Date.now() + this.deps.cancelWaitMs;
    while (Date.now() < deadline) {
      const current = await store.get(id, owner);
      if (!current || hasEnded(current)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

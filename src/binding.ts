import { ApiError } from './api/errors.ts';
import { CreateResponseRequest, parseBody } from './api/request.ts';
import { modelObject } from './catalog/model-object.ts';
import { startResponse } from './engine/create-response.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
import { finalResponse } from './engine/final-response.ts';
import { sseStream } from './stream/response-sse.ts';
import { DEFAULT_PROJECT } from './store/owner.ts';

/** `AiOptions` of Workers AI's `env.AI.run`, the parts Portico honours. */
export interface RunOptions {
  gateway?: { id: string; [setting: string]: unknown };
  signal?: AbortSignal;
}

export interface AI {
  /**
   * Runs a model in-process, as Workers AI's `env.AI.run(model, inputs, options)`: resolves
   * to the Response object, or to a ReadableStream of the SSE bytes when `inputs.stream`.
   */
  run(
    model: string,
    inputs: Record<string, unknown>,
    options?: RunOptions,
  ): Promise<Record<string, unknown> | ReadableStream<Uint8Array>>;
  /** The catalog, as `GET /v1/models` lists it. */
  models(): Promise<Array<ReturnType<typeof modelObject>>>;
  close(): Promise<void>;
}

/** The Workers-AI-style binding over the same engine the HTTP server uses. */
export function createAI(options: RuntimeOptions = {}): AI {
  let runtime: Promise<Runtime> | undefined;
  const ready = () => (runtime ??= createRuntime(options));

  return {
    async run(model, inputs, runOptions = {}) {
      const gatewayId = runOptions.gateway?.id;
      if (gatewayId !== undefined && (typeof gatewayId !== 'string' || gatewayId === '')) {
        throw new ApiError({
          status: 400,
          type: 'invalid_request_error',
          param: 'gateway.id',
          message: 'gateway.id must be a non-empty string.',
        });
      }
      const request = parseBody(CreateResponseRequest, { ...inputs, model });
      const abort = new AbortController();
      runOptions.signal?.addEventListener('abort', () => abort.abort(runOptions.signal?.reason), {
        once: true,
      });
      const runtime = await ready();
      if (request.background) {
        // Queued and answered at once, as over HTTP; a stream follows the run without owning it.
        const queued = await runtime.background.enqueue(request, DEFAULT_PROJECT);
        if (!request.stream) return queued as unknown as Record<string, unknown>;
        const followed = await runtime.background.follow(queued.id, DEFAULT_PROJECT, -1, abort.signal);
        return sseStream(followed, () => abort.abort());
      }
      const { events } = await startResponse(request, runtime.engine(DEFAULT_PROJECT), abort.signal);
      if (request.stream) return sseStream(events, () => abort.abort());
      return (await finalResponse(events)) as unknown as Record<string, unknown>;
    },
    async models() {
      return (await ready()).catalog.list().map(modelObject);
    },
    async close() {
      if (runtime) await (await runtime).close();
    },
  };
}

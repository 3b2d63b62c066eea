import type { Context } from 'hono';
import { envelope } from '../../api/workers-ai-envelope.ts';
import { modelStep } from '../../formats/parse-step.ts';
import { batchAsk } from '../../formats/workers-ai/batch-input.ts';
import { runEmbeddingOutput } from '../../formats/workers-ai/run-embeddings.ts';
import { runInputs } from '../../formats/workers-ai/run-inputs.ts';
import { embedThroughGateway } from '../../gateway/embed-through-gateway.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import { renderAnswer } from '../render-answer.ts';
import { sendJson } from '../send-answer.ts';

export type WorkersAiRun = (
  c: Context<AppEnv>,
  model: string,
  inputs: unknown,
  size: number,
) => Promise<Response>;

/**
 * Workers AI's run of one model, in Cloudflare's envelope, over its REST API or AI Gateway's
 * `/workers-ai/:model`: text embeddings for `{text}`, a batch (`{requests}` with `?queueRequest=true`,
 * polled with `{request_id}`), else a generation (Workers AI's `{prompt}` / `{messages}`, or a
 * Responses request).
 */
export function workersAiRun(runtime: Runtime): WorkersAiRun {
  return async (c, model, inputs, size) => {
    const body = { value: inputs, size };
    const batch = batchAsk(model, inputs, c.req.query('queueRequest') === 'true', 'queueRequest');
    if (batch?.kind === 'poll')
      return sendJson(
        c,
        envelope(await runtime.batches.poll(batch.requestId, c.get('owner'), model)),
        200,
        {},
      );
    if (batch) {
      const { call } = httpCall(c, [], body);
      return sendJson(
        c,
        envelope(await runtime.batches.submit(call, c.get('owner'), model, batch.requests)),
        200,
        {},
      );
    }
    const run = runInputs(model, inputs, true);
    if (run.kind === 'embedding') {
      const { call } = httpCall(c, [modelStep(model)], body);
      const answer = await embedThroughGateway(runtime, call, run.request, runEmbeddingOutput);
      return sendJson(c, envelope(answer.value), 200, answer.headers);
    }
    const parsed = run.parsed;
    const { call, abort } = httpCall(c, [parsed], body);
    return renderAnswer(c, parsed, call, await runtime.gateway.run(call), abort);
  };
}

import { Hono, type Context } from 'hono';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import { readJson } from '../read-json.ts';
import { chatStep, stepError, type ModelName } from '../../formats/parse-step.ts';
import { renderAnswer } from '../render-answer.ts';

/** Serves a Chat Completions request: the Responses engine behind the chat wire format. */
export function chatCompletionHandler(runtime: Runtime, modelName?: ModelName) {
  return async (c: Context<AppEnv>) => {
    const body = await readJson(c.env);
    const parsed = chatStep(body.value, modelName);
    const { call, abort } = httpCall(c, [parsed], body);
    // Each of `n` choices is an answer of its own, run one after another.
    const run = () =>
      runtime.gateway.run(call).catch((error: unknown) => {
        throw stepError(parsed.format, error);
      });
    return renderAnswer(c, parsed, call, await run(), abort, run);
  };
}

/** `POST /v1/chat/completions`. */
export function chatCompletionsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/chat/completions', chatCompletionHandler(runtime));
  return app;
}

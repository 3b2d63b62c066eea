import { Hono, type Context } from 'hono';
import { CountTokensRequest } from '../../api/anthropic-messages.ts';
import { parseBody } from '../../api/request.ts';
import { fromMessagesRequest } from '../../formats/anthropic-messages/from-messages-request.ts';
import { messagesStep, modelStep, stepError, type ModelName } from '../../formats/parse-step.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import { readJson } from '../read-json.ts';
import { renderAnswer } from '../render-answer.ts';
import { sendJson } from '../send-answer.ts';

/** Serves Anthropic's `POST /v1/messages`: the Responses engine, through the gateway, behind the Messages API. */
export function messagesHandler(runtime: Runtime, modelName?: ModelName) {
  return async (c: Context<AppEnv>) => {
    const body = await readJson(c.env);
    const parsed = messagesStep(body.value, runtime.catalog, modelName);
    const { call, abort } = httpCall(c, [parsed], body);
    const answer = await runtime.gateway.run(call).catch((error: unknown) => {
      throw stepError(parsed.format, error);
    });
    return renderAnswer(c, parsed, call, answer, abort);
  };
}

/** `POST /v1/messages/count_tokens`: the input tokens of a messages request, counted as `/v1/responses/input_tokens` counts. */
export function countTokensHandler(runtime: Runtime, modelName: ModelName = (model) => model) {
  return async (c: Context<AppEnv>) => {
    const json = await readJson(c.env);
    const body = parseBody(CountTokensRequest, json.value);
    const { request, origins } = fromMessagesRequest(
      { ...body, model: modelName(body.model) },
      runtime.catalog,
    );
    // Counting a model's tokens is using it: the key's model scope and limits apply, and it is logged.
    const { call } = httpCall(c, [modelStep(request.model)], json);
    const answer = await runtime.gateway
      .operate(call, async (principal, storedKeys) => ({
        value: await runtime.inputTokens(request, principal.project, call.signal, storedKeys),
      }))
      .catch((error: unknown) => {
        throw stepError({ kind: 'anthropic', model: body.model, origins }, error);
      });
    return sendJson(c, { input_tokens: answer.value.input_tokens }, 200, answer.headers);
  };
}

/** Anthropic's Messages API under /v1, where its SDK (given the server's address) asks. */
export function messagesRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/messages', messagesHandler(runtime));
  app.post('/messages/count_tokens', countTokensHandler(runtime));
  return app;
}

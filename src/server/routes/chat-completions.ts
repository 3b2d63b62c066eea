import { Hono } from 'hono';
import { ChatCompletionRequest } from '../../api/chat-completions.ts';
import { parseBody } from '../../api/request.ts';
import { chatCompletion, chatCompletionChunks } from '../../chat-completions/chat-choices.ts';
import type { InputOrigin } from '../../chat-completions/chat-messages-to-items.ts';
import { chatSseStream } from '../../chat-completions/chat-sse.ts';
import { chatParam, toChatError } from '../../chat-completions/map-error-param.ts';
import { refuseUnsupported } from '../../chat-completions/refuse-unsupported.ts';
import { toResponseRequest } from '../../chat-completions/to-response-request.ts';
import { warningsHeader } from '../../api/warnings-header.ts';
import { startResponse } from '../../engine/create-response.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';
import { eventStreamResponse, generationAbort } from '../stream-response.ts';

/** `POST /v1/chat/completions`: the Responses engine behind the Chat Completions wire format. */
export function chatCompletionsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/chat/completions', async (c) => {
    const chat = parseBody(ChatCompletionRequest, await readJson(c.req.raw));
    refuseUnsupported(chat);
    const { request, origins, stop } = toResponseRequest(chat);
    const { signal, abort } = generationAbort(c.req.raw);
    const engine = runtime.engine(c.var.owner);
    const start = () =>
      startResponse(request, engine, signal, { stop }).catch((error: unknown) => {
        throw toChatError(error, chat, origins);
      });
    const first = await start();
    const headers = warningsHeader(first.warnings.map((warning) => inChatTerms(warning, chat, origins)));
    const n = chat.n ?? 1;
    if (!chat.stream) return c.json(await chatCompletion(first, start, n), 200, headers);
    const includeUsage = chat.stream_options?.include_usage === true;
    return eventStreamResponse(
      chatSseStream(chatCompletionChunks(first, start, n, includeUsage), abort),
      headers,
    );
  });

  return app;
}

/** A warning starts with the Responses parameter it is about; the chat client reads its own name for it. */
function inChatTerms(warning: string, chat: ChatCompletionRequest, origins: readonly InputOrigin[]): string {
  const [param = '', ...rest] = warning.split(': ');
  if (!/^[a-z_]+(\[\d+\]|\.[a-z_]+)*$/.test(param)) return warning;
  return [chatParam(param, chat, origins), ...rest].join(': ');
}

import { Hono } from 'hono';
import { ChatCompletionRequest } from '../../api/chat-completions.ts';
import { parseBody } from '../../api/request.ts';
import { ChatChunkTranslator, chatChunks } from '../../chat-completions/chat-chunk-translator.ts';
import type { InputOrigin } from '../../chat-completions/chat-messages-to-items.ts';
import { chatSseStream } from '../../chat-completions/chat-sse.ts';
import { chatParam, toChatError } from '../../chat-completions/map-error-param.ts';
import { refuseUnsupported } from '../../chat-completions/refuse-unsupported.ts';
import { toChatCompletion } from '../../chat-completions/to-chat-completion.ts';
import { terminalResponse } from '../../chat-completions/terminal-response.ts';
import { toResponseRequest } from '../../chat-completions/to-response-request.ts';
import { warningsHeader } from '../../api/warnings-header.ts';
import { startResponse } from '../../engine/create-response.ts';
import type { Runtime } from '../../runtime.ts';
import { readJson } from '../read-json.ts';

const OWNER = 'anonymous';

/** `POST /v1/chat/completions`: the Responses engine behind the Chat Completions wire format. */
export function chatCompletionsRoutes(runtime: Runtime): Hono {
  const app = new Hono();

  app.post('/chat/completions', async (c) => {
    const chat = parseBody(ChatCompletionRequest, await readJson(c.req.raw));
    refuseUnsupported(chat);
    const { request, origins } = toResponseRequest(chat);
    const abort = new AbortController();
    const clientGone = () => abort.abort();
    c.req.raw.signal.addEventListener('abort', clientGone, { once: true });
    const { events, warnings } = await startResponse(request, runtime.engine(OWNER), abort.signal).catch(
      (error: unknown) => {
        throw toChatError(error, chat, origins);
      },
    );
    const headers = warningsHeader(warnings.map((warning) => inChatTerms(warning, chat, origins)));
    if (!chat.stream) return c.json(toChatCompletion(await terminalResponse(events)), 200, headers);
    const translator = new ChatChunkTranslator(chat.stream_options?.include_usage === true);
    return new Response(chatSseStream(chatChunks(events, translator), clientGone), {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        ...headers,
      },
    });
  });

  return app;
}

/** A warning starts with the Responses parameter it is about; the chat client reads its own name for it. */
function inChatTerms(warning: string, chat: ChatCompletionRequest, origins: readonly InputOrigin[]): string {
  const [param = '', ...rest] = warning.split(': ');
  if (!/^[a-z_]+(\[\d+\]|\.[a-z_]+)*$/.test(param)) return warning;
  return [chatParam(param, chat, origins), ...rest].join(': ');
}

import type { ServerOptions } from '../../src/server/start-server.ts';
import { startReplayServer, type ReplayServer } from './replay-server.ts';
import { porticoOver, type ScriptedPortico } from './scripted-portico.ts';
import { scriptedAnswer } from './scripted-upstream.ts';

/** The model the echo upstream serves, proxied by Portico under the provider `echo`. */
export const ECHO_MODEL = 'echo/parrot';

/** The text of a Responses request's last input message. */
function lastText(input: ReadonlyArray<Record<string, unknown>>): string {
  const content = input.at(-1)?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('') : '';
}

/**
 * A loopback OpenAI Responses upstream that answers `echo: <last input text>`; the input `fail`
 * gets a 400 (no retry), and `slow ...` waits `slowMs` before its stream starts.
 */
export function startEchoUpstream(slowMs = 400): Promise<ReplayServer> {
  return startReplayServer((request) => {
    const body = request.json as { model?: string; input?: Array<Record<string, unknown>> } | undefined;
    const text = lastText(body?.input ?? []);
    if (text === 'fail')
      return {
        provenance: "OpenAI's error object",
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: '{"error":{"message":"the upstream refused it","type":"invalid_request_error","param":null,"code":"refused"}}',
      };
    const answer = scriptedAnswer(body?.model ?? 'parrot', [{ type: 'message', text: `echo: ${text}` }]);
    return text.startsWith('slow') ? { ...answer, firstChunkDelayMs: slowMs } : answer;
  });
}

/** The config (YAML) that serves the echo upstream at `url` as ECHO_MODEL. */
export function echoConfig(url: string): string {
  return `providers:\n  echo: { type: openai, base_url: ${url}/v1 }\nmodels:\n  - { id: ${ECHO_MODEL}, provider: echo, context_window: 8192 }\n`;
}

/** The real server with the echo upstream behind ECHO_MODEL; `options` are the server's own. */
export async function startEchoPortico(options: ServerOptions = {}): Promise<ScriptedPortico> {
  const upstream = await startEchoUpstream();
  return porticoOver(upstream, echoConfig(upstream.url), options);
}

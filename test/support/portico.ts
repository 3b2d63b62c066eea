import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/start-server.ts';

/** The small real GGUF models beside the project (see ../shared/models/README.md). */
export const sharedModelsDir = fileURLToPath(new URL('../../../shared/models', import.meta.url));
export const TINY_MODEL = 'local/stories260K';

export interface TestPortico {
  server: RunningServer;
  client: OpenAI;
  dataDir: string;
  /** Stops the server; `keepData` leaves the data directory for a restart test. */
  stop(keepData?: boolean): Promise<void>;
}

/** The real server on a loopback port, with a fresh data directory and the shared models. */
export async function startPortico(options: ServerOptions = {}): Promise<TestPortico> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'portico-test-'));
  const server = await startServer({ port: 0, modelsDirs: [sharedModelsDir], env: {}, ...options, dataDir });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  return {
    server,
    client,
    dataDir,
    async stop(keepData = false) {
      await server.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads a `text/event-stream` body into its events' JSON, checking the wire format line by line. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
): Promise<Array<Record<string, unknown>>> {
  const text = await new Response(body).text();
  const events: Array<Record<string, unknown>> = [];
  for (const block of text.split('\n\n')) {
    if (!block) continue;
    const lines = block.split('\n');
    if (lines.length !== 2 || !lines[0]!.startsWith('event: ') || !lines[1]!.startsWith('data: ')) {
      throw new Error(`not an event/data pair: ${JSON.stringify(block)}`);
    }
    const data = JSON.parse(lines[1]!.slice(6)) as Record<string, unknown>;
    if (data.type !== lines[0]!.slice(7))
      throw new Error(`event name ${lines[0]} differs from type ${String(data.type)}`);
    events.push(data);
  }
  return events;
}

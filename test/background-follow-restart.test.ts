import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { readEventStream } from './support/portico.ts';
import type { ReplayServer } from './support/replay-server.ts';
import { startSlowChatUpstream } from './support/slow-chat-upstream.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

// Words far enough apart that each delta is shown before the next one comes.
let upstream: ReplayServer;
let configPath: string;
let dataDir: string;
let serving: ServeProcess | undefined;

before(async () => {
  ({ upstream, configPath } = await startSlowChatUpstream({ words: 40, delayMs: 300 }));
  dataDir = mkdtempSync(join(tmpdir(), 'portico-follow-restart-'));
});
after(async () => {
  if (serving?.child.exitCode === null) await serving.stop();
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function serve(): Promise<OpenAI> {
  const env = {
    PATH: process.env.PATH,
    PORTICO_MODELS_DIR: join(dataDir, 'no-models'),
    PORTICO_BACKGROUND_LEASE_MS: '1500',
  };
  serving = await spawnServe(['--data-dir', dataDir, '--config', configPath], env);
  return new OpenAI({ baseURL: `${serving.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

test('kill -9 while a client follows a background run: every event it was shown is in the stored stream', async () => {
  let client = await serve();
  const stream = await client.responses.create({
    model: 'slow/model',
    input: 'one',
    background: true,
    stream: true,
  });
  const shown: Array<{ type: string; sequence_number: number }> = [];
  for await (const event of stream) {
    shown.push(event);
    // Killed as soon as the third delta is shown, before a batch of deltas would be written.
    if (shown.filter((e) => e.type === 'response.output_text.delta').length === 3) {
      serving!.child.kill('SIGKILL');
      break;
    }
  }
  await new Promise((resolve) => serving!.child.once('exit', resolve));
  const id = (shown[0] as unknown as { response: { id: string } }).response.id;

  client = await serve();
  for (;;) {
    if ((await client.responses.retrieve(id)).status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stored = await readEventStream((await fetch(`${serving!.url}/v1/responses/${id}?stream=true`)).body!);
  assert.deepEqual(stored.slice(0, shown.length), shown);
  // Resumed from the last event it was shown, the client reads the rest of the run, to its end.
  const rest: string[] = [];
  const last = shown.at(-1)!.sequence_number;
  for await (const event of client.responses.stream({ response_id: id, starting_after: last }))
    rest.push(event.type);
  assert.deepEqual(
    rest,
    stored.slice(shown.length).map((event) => event.type),
  );
  assert.equal(rest.at(-1), 'response.failed');
  await serving!.stop();
});

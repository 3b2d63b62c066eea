import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEventStream } from './support/portico.ts';
import { restartableServe } from './support/restartable-serve.ts';

// Words far enough apart that each delta is shown before the next one comes.
const server = restartableServe({ words: 40, delayMs: 300 });

test('kill -9 while a client follows a background run: every event it was shown is in the stored stream', async () => {
  let client = await server.serve();
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
      server.serving.child.kill('SIGKILL');
      break;
    }
  }
  await new Promise((resolve) => server.serving.child.once('exit', resolve));
  const id = (shown[0] as unknown as { response: { id: string } }).response.id;

  client = await server.serve();
  for (;;) {
    if ((await client.responses.retrieve(id)).status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stored = await readEventStream(
    (await fetch(`${server.serving.url}/v1/responses/${id}?stream=true`)).body!,
  );
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
  await server.serving.stop();
});

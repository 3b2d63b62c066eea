import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ReplayServer } from './support/replay-server.ts';
import { runCodex } from './support/run-codex.ts';
import { startScriptedUpstream, toolOutputs } from './support/scripted-upstream.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

/**
 * Codex CLI end to end: `codex exec` against `portico serve`, whose model (named as a model
 * Codex knows, so that it offers its full tool set: exec_command, the freeform apply_patch with
 * its Lark grammar, tool_search, web_search, ...) is a scripted upstream: it calls
 * `exec_command`, then `apply_patch`, then answers. Codex runs both tools through Portico.
 */
describe('Codex CLI through portico serve', () => {
  let upstream: ReplayServer;
  let serve: ServeProcess;
  let dir: string;

  before(async () => {
    upstream = await startScriptedUpstream(({ input }) => {
      const done = toolOutputs(input);
      if (done === 0)
        return [
          { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"echo portico-ran-this"}' },
        ];
      if (done === 1) {
        const patch = '*** Begin Patch\n*** Add File: hello.txt\n+Hello from Portico\n*** End Patch\n';
        return [{ type: 'custom_tool_call', name: 'apply_patch', input: patch }];
      }
      return [{ type: 'message', text: 'Created hello.txt.' }];
    });
    dir = mkdtempSync(join(tmpdir(), 'portico-codex-'));
    const config = join(dir, 'portico.yaml');
    writeFileSync(
      config,
      [
        'providers:',
        `  scripted: { type: openai, base_url: ${upstream.url}/v1 }`,
        'models:',
        '  - id: gpt-5.5',
        '    provider: scripted',
        '    context_window: 400000',
        '    capabilities: { reasoning_efforts: [none, low, medium, high, xhigh] }',
        '',
      ].join('\n'),
    );
    serve = await spawnServe(['--config', config, '--data-dir', join(dir, 'data')], {
      PATH: process.env.PATH,
      PORTICO_MODELS_DIR: join(dir, 'no-models'),
    });
  });

  after(async () => {
    await serve.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const websockets of [false, true]) {
    test(`runs exec_command and apply_patch over ${websockets ? 'WebSocket mode' : 'HTTP'}`, async () => {
      const before = upstream.requests.length;
      const work = join(dir, websockets ? 'work-ws' : 'work-http');
      mkdirSync(work);
      const run = await runCodex({
        dir,
        work,
        baseUrl: `${serve.url}/v1`,
        model: 'gpt-5.5',
        websockets,
        prompt: 'Run a command, then create hello.txt',
      });
      assert.equal(run.code, 0, `codex exec failed:\n${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout + run.stderr, /portico-ran-this/, 'Codex ran exec_command and read its output');
      assert.equal(readFileSync(join(work, 'hello.txt'), 'utf8'), 'Hello from Portico\n');
      assert.match(run.stdout, /Created hello\.txt\./);

      const sent = upstream.requests.slice(before).map((request) => request.json as Record<string, unknown>);
      assert.deepEqual(
        sent.map((body) => toolOutputs(body.input as Array<Record<string, unknown>>)),
        [0, 1, 2],
        'three model turns, each with the whole history',
      );
      const tools = (sent[0]!.tools as Array<{ type: string; name?: string }>).map(
        (tool) => `${tool.type}:${tool.name ?? ''}`,
      );
      for (const tool of [
        'function:exec_command',
        'custom:apply_patch',
        'function:tool_search',
        'web_search:',
      ])
        assert.ok(tools.includes(tool), `${tool} in ${tools.join(', ')}`);
      const log = serve.stderr();
      if (websockets) assert.match(log, /"responses websocket closed".*"responses":[4-9]/);
      else assert.ok(existsSync(join(work, 'hello.txt')));
    });
  }
});

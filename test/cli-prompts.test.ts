import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PromptObject } from '../src/api/prompts.ts';
import { runCli } from './support/run-cli.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

/**
 * `portico prompts`, run as a real `portico` process (the built CLI: `npm run build` first)
 * on the data directory and against a real `portico serve` with --url: without keys both are
 * the default project, so each sees what the other made.
 */
describe('portico prompts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-cli-prompts-'));
  const env = { ...process.env, PORTICO_DATA_DIR: dataDir, PORTICO_MODELS_DIR: join(dataDir, 'no-models') };
  const file = (name: string, content: unknown) => {
    const path = join(dataDir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const template = file('guide.json', {
    instructions: 'You are {{role}}.',
    input: [{ role: 'user', content: 'Tell me about {{topic}}.' }],
    variables: { role: 'a guide' },
  });
  let server: ServeProcess;
  let remote: string[];
  before(async () => {
    server = await spawnServe([], env);
    remote = ['--url', server.url];
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('create, version, show, list and delete, in-process and over the API', async () => {
    const created = await runCli(
      [
        'prompts',
        'create',
        '--file',
        template,
        '--name',
        'guide',
        '--description',
        'a guide',
        '--json',
        ...remote,
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const prompt = JSON.parse(created.stdout) as PromptObject;
    assert.match(prompt.id, /^pmpt_/);
    assert.deepEqual(
      [prompt.name, prompt.description, prompt.version, prompt.variables],
      ['guide', 'a guide', '1', ['role', 'topic']],
    );

    // In-process, the template from stdin.
    const versioned = await runCli(
      ['prompts', 'version', prompt.id, '--file', '-'],
      env,
      JSON.stringify({ instructions: 'Be brief about {{topic}}.' }),
    );
    assert.equal(versioned.code, 0, versioned.stderr);
    assert.match(versioned.stdout, /^version\s+2 of 2$/m);
    assert.match(versioned.stdout, /^variables\s+topic$/m);

    const shown = await runCli(['prompts', 'show', prompt.id, '--version', '1', ...remote], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^id\\s+${prompt.id}$`, 'm'));
    assert.match(shown.stdout, /^name\s+guide$/m);
    assert.match(shown.stdout, /^version\s+1 of 2$/m);
    assert.match(shown.stdout, /^variables\s+role, topic$/m);
    const json = shown.stdout.slice(shown.stdout.indexOf('template:\n') + 'template:\n'.length);
    assert.deepEqual(JSON.parse(json), prompt.template);

    for (const where of [[], remote]) {
      const table = await runCli(['prompts', 'list', ...where], env);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID\s+NAME\s+LATEST\s+VARIABLES\s+CREATED$/m);
      assert.match(table.stdout, new RegExp(`^${prompt.id}\\s+guide\\s+2\\s+topic\\s+\\d{4}-`, 'm'));
      const listed = JSON.parse(
        (await runCli(['prompts', 'list', '--json', ...where], env)).stdout,
      ) as PromptObject[];
      assert.deepEqual(
        listed.map((one) => [one.id, one.version]),
        [[prompt.id, '2']],
      );
    }

    const deleted = await runCli(['prompts', 'delete', prompt.id], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stderr, /Deleted the prompt pmpt_\w+ and its versions/);
    const gone = await runCli(['prompts', 'show', prompt.id, ...remote], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^portico: No prompt found with id 'pmpt_\w+'\.\n$/);
  });

  test('a command line it cannot take is exit 2; a template it cannot use is one line and exit 1', async () => {
    for (const [args, said] of [
      [['prompts', 'create'], /create takes --file/],
      [['prompts', 'show'], /show takes a prompt id/],
      [['prompts', 'show', 'pmpt_x', '--version', 'first'], /--version must be a positive integer/],
      [['prompts', 'list', '--file', template], /list takes no --file/],
      [['prompts', 'rename', 'pmpt_x'], /unknown action 'rename'/],
    ] as const) {
      const answer = await runCli([...args], env);
      assert.equal(answer.code, 2, args.join(' '));
      assert.match(answer.stderr, said);
      assert.match(answer.stderr, /Usage: portico prompts list/);
    }
    const unused = file('unused.json', { instructions: 'Hello', variables: { name: 'x' } });
    for (const [path, said] of [
      [join(dataDir, 'missing.json'), /^portico: cannot read .*missing\.json: ENOENT/],
      [file('broken.json', '{"instructions": '), /^portico: .*broken\.json is not JSON/],
      [file('empty.json', {}), /^portico: Invalid 'template\.instructions': a prompt needs instructions/],
      [unused, /^portico: The variable 'name' has a default, but no text of the template uses \{\{name\}\}/],
    ] as const)
      for (const where of [[], remote]) {
        const answer = await runCli(['prompts', 'create', '--file', path, ...where], env);
        assert.equal(answer.code, 1, `${path} ${where.join(' ')}`);
        assert.match(answer.stderr, said);
        assert.equal(answer.stderr.split('\n').length, 2, 'one line');
      }
    assert.equal((await runCli(['prompts', '--version'], env)).code, 0);
  });
});

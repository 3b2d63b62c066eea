import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import { PromptTemplate } from '../src/api/prompts.ts';
import type { PromptRecord, PromptStore } from '../src/store/prompt-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';
const T0 = 1_767_225_600_000;

/** A template with a bit of everything a request can carry, its keys in an unusual order. */
const RICH = PromptTemplate.parse({
  variables: {
    city: 'Lisbon',
    photo: { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
  },
  instructions: 'You plan trips to {{ city }}. Never invent prices — ünïcødé ✓ "quoted" \\ \u0000.',
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'Here is {{photo}}, and I like {{city}}.' }] },
    { type: 'message', role: 'assistant', content: 'Noted.' },
  ],
  model: 'openai/gpt-5.4-pro',
  tools: [
    {
      type: 'function',
      name: 'lookup',
      description: 'Looks a place up.',
      parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
      strict: true,
    },
  ],
  temperature: 0.25,
  max_output_tokens: 2048,
  text: { format: { type: 'text' } },
});

const template = (text: string) => PromptTemplate.parse({ instructions: text });

function prompt(
  id: string,
  at = T0,
  fields: Partial<PromptRecord> = {},
): Omit<PromptRecord, 'latestVersion'> {
  return { id, name: `prompt ${id}`, description: null, metadata: { team: 'ops' }, createdAt: at, ...fields };
}

const isBadAfter = (error: unknown) =>
  error instanceof ApiError && error.status === 400 && error.param === 'after';

/** The behaviour every PromptStore backend owes; each test gets a fresh, empty store. */
export function describePromptStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`PromptStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: PromptStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.prompts;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    test('a prompt is made at version 1 and read back at its latest or any version, templates exact', async () => {
      const made = await store.create(prompt('pmpt_a'), RICH, ALICE);
      assert.deepEqual(made, { ...prompt('pmpt_a'), latestVersion: 1 });
      const second = await store.addVersion('pmpt_a', template('v2'), T0 + 5, ALICE);
      assert.deepEqual(second, {
        prompt: { ...prompt('pmpt_a'), latestVersion: 2 },
        version: { promptId: 'pmpt_a', version: 2, template: template('v2'), createdAt: T0 + 5 },
      });
      assert.deepEqual(await store.get('pmpt_a', ALICE), second);
      const first = await store.get('pmpt_a', ALICE, 1);
      assert.deepEqual(first?.version, { promptId: 'pmpt_a', version: 1, template: RICH, createdAt: T0 });
      assert.equal(first?.prompt.latestVersion, 2);
      // Exactly as written, key order included.
      assert.equal(JSON.stringify(first?.version.template), JSON.stringify(RICH));
      assert.equal(await store.get('pmpt_a', ALICE, 3), undefined);
      assert.equal(await store.get('pmpt_missing', ALICE), undefined);
      assert.equal(await store.addVersion('pmpt_missing', template('x'), T0, ALICE), undefined);
    });

    test('a prompt is its owner’s alone: another sees nothing and changes nothing', async () => {
      await store.create(prompt('pmpt_a'), template('mine'), ALICE);
      assert.equal(await store.get('pmpt_a', BOB), undefined);
      assert.equal(await store.get('pmpt_a', BOB, 1), undefined);
      assert.equal(await store.addVersion('pmpt_a', template('theirs'), T0, BOB), undefined);
      assert.equal(await store.update('pmpt_a', BOB, { name: 'taken' }), undefined);
      assert.equal(await store.delete('pmpt_a', BOB), false);
      assert.deepEqual(await store.list(BOB, { limit: 10, order: 'asc' }), { data: [], has_more: false });
      assert.equal(await store.listVersions('pmpt_a', BOB, { limit: 10, order: 'asc' }), undefined);
      const kept = await store.get('pmpt_a', ALICE);
      assert.deepEqual(kept?.prompt, { ...prompt('pmpt_a'), latestVersion: 1 });
      assert.deepEqual(kept?.version.template, template('mine'));
    });

    test('an update changes what it names, clears what is null, and keeps the versions', async () => {
      await store.create(prompt('pmpt_u', T0, { description: 'first' }), template('v1'), ALICE);
      await store.addVersion('pmpt_u', template('v2'), T0 + 1, ALICE);
      const renamed = await store.update('pmpt_u', ALICE, { name: 'renamed', metadata: { a: 'b' } });
      assert.deepEqual(renamed, {
        ...prompt('pmpt_u', T0, { description: 'first' }),
        name: 'renamed',
        metadata: { a: 'b' },
        latestVersion: 2,
      });
      const cleared = await store.update('pmpt_u', ALICE, { name: null, description: null });
      assert.deepEqual([cleared?.name, cleared?.description, cleared?.metadata], [null, null, { a: 'b' }]);
      assert.deepEqual(await store.update('pmpt_u', ALICE, {}), cleared);
      assert.deepEqual((await store.get('pmpt_u', ALICE, 1))?.version.template, template('v1'));
      assert.deepEqual((await store.get('pmpt_u', ALICE))?.version.template, template('v2'));
      assert.equal(await store.update('pmpt_missing', ALICE, { name: 'x' }), undefined);
    });

    test('prompts list by creation time then id, each at its latest version, paged both ways', async () => {
      // Two made in the same millisecond: the id breaks the tie.
      for (const [id, at] of [
        ['pmpt_1', T0],
        ['pmpt_3', T0 + 1],
        ['pmpt_2', T0 + 1],
        ['pmpt_4', T0 + 2],
      ] as const)
        await store.create(prompt(id, at), template(`${id} v1`), ALICE);
      await store.addVersion('pmpt_2', template('pmpt_2 v2'), T0 + 9, ALICE);
      await store.create(prompt('pmpt_bob', T0 + 1), template('bob'), BOB);
      const ids = (page: { data: Array<{ prompt: { id: string } }> }) =>
        page.data.map((one) => one.prompt.id);
      const first = await store.list(ALICE, { limit: 2, order: 'asc' });
      assert.deepEqual([ids(first), first.has_more], [['pmpt_1', 'pmpt_2'], true]);
      assert.deepEqual(
        [
          first.data[1]?.prompt.latestVersion,
          first.data[1]?.version.version,
          first.data[1]?.version.template,
        ],
        [2, 2, template('pmpt_2 v2')],
      );
      const rest = await store.list(ALICE, { limit: 2, order: 'asc', after: 'pmpt_2' });
      assert.deepEqual([ids(rest), rest.has_more], [['pmpt_3', 'pmpt_4'], false]);
      const newest = await store.list(ALICE, { limit: 3, order: 'desc' });
      assert.deepEqual([ids(newest), newest.has_more], [['pmpt_4', 'pmpt_3', 'pmpt_2'], true]);
      const oldest = await store.list(ALICE, { limit: 3, order: 'desc', after: 'pmpt_2' });
      assert.deepEqual([ids(oldest), oldest.has_more], [['pmpt_1'], false]);
      assert.deepEqual(await store.list(ALICE, { limit: 3, order: 'desc', after: 'pmpt_1' }), {
        data: [],
        has_more: false,
      });
      // A cursor that is unknown, or another owner's, is a 400 naming it.
      for (const after of ['pmpt_missing', 'pmpt_bob'])
        await assert.rejects(store.list(ALICE, { limit: 10, order: 'asc', after }), isBadAfter);
    });

    test('versions list by number, paged both ways after a version number', async () => {
      await store.create(prompt('pmpt_v'), template('v1'), ALICE);
      for (const n of [2, 3, 4, 5]) await store.addVersion('pmpt_v', template(`v${n}`), T0 + n, ALICE);
      const numbers = (page: { data: Array<{ version: number }> } | undefined) =>
        page?.data.map((one) => one.version);
      const first = await store.listVersions('pmpt_v', ALICE, { limit: 2, order: 'asc' });
      assert.deepEqual([numbers(first), first?.has_more], [[1, 2], true]);
      assert.deepEqual(first?.prompt, { ...prompt('pmpt_v'), latestVersion: 5 });
      assert.deepEqual(first?.data[1], {
        promptId: 'pmpt_v',
        version: 2,
        template: template('v2'),
        createdAt: T0 + 2,
      });
      const rest = await store.listVersions('pmpt_v', ALICE, { limit: 10, order: 'asc', after: '2' });
      assert.deepEqual([numbers(rest), rest?.has_more], [[3, 4, 5], false]);
      const newest = await store.listVersions('pmpt_v', ALICE, { limit: 2, order: 'desc' });
      assert.deepEqual([numbers(newest), newest?.has_more], [[5, 4], true]);
      const older = await store.listVersions('pmpt_v', ALICE, { limit: 2, order: 'desc', after: '2' });
      assert.deepEqual([numbers(older), older?.has_more], [[1], false]);
      const end = await store.listVersions('pmpt_v', ALICE, { limit: 2, order: 'asc', after: '5' });
      assert.deepEqual([numbers(end), end?.has_more, end?.prompt.latestVersion], [[], false, 5]);
      for (const after of ['6', '0', 'two', '1.5'])
        await assert.rejects(
          store.listVersions('pmpt_v', ALICE, { limit: 2, order: 'desc', after }),
          isBadAfter,
        );
      assert.equal(await store.listVersions('pmpt_missing', ALICE, { limit: 2, order: 'asc' }), undefined);
    });

    test('deleting a prompt deletes every version with it', async () => {
      await store.create(prompt('pmpt_d'), template('v1'), ALICE);
      await store.addVersion('pmpt_d', template('v2'), T0 + 1, ALICE);
      await store.create(prompt('pmpt_kept'), template('kept'), ALICE);
      assert.equal(await store.delete('pmpt_d', ALICE), true);
      assert.equal(await store.delete('pmpt_d', ALICE), false);
      assert.equal(await store.get('pmpt_d', ALICE, 1), undefined);
      assert.equal(await store.listVersions('pmpt_d', ALICE, { limit: 10, order: 'asc' }), undefined);
      // Made again under the same id, it starts over: no version of the old one is left to collide or show.
      await store.create(prompt('pmpt_d', T0 + 2), template('again'), ALICE);
      const again = await store.listVersions('pmpt_d', ALICE, { limit: 10, order: 'asc' });
      assert.deepEqual(
        again?.data.map((one) => [one.version, one.template]),
        [[1, template('again')]],
      );
      assert.equal(await store.get('pmpt_d', ALICE, 2), undefined);
      assert.equal((await store.get('pmpt_kept', ALICE))?.version.template.instructions, 'kept');
    });

    test('versions added at once, by two processes on the same data, are numbered 2..21 each once', async () => {
      const other = (await handle.sibling('other-instance')).prompts;
      await store.create(prompt('pmpt_c'), template('v1'), ALICE);
      const added = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 ? other : store).addVersion('pmpt_c', template(`call ${n}`), T0 + n, ALICE),
        ),
      );
      const numbers = added.map((one) => one?.version.version).sort((a, b) => a! - b!);
      assert.deepEqual(
        numbers,
        Array.from({ length: 20 }, (_, n) => n + 2),
      );
      // Each call's answer names the version it made, and that version holds its template.
      for (const one of added)
        assert.deepEqual((await store.get('pmpt_c', ALICE, one!.version.version))?.version, one!.version);
      const listed = await other.listVersions('pmpt_c', ALICE, { limit: 100, order: 'asc' });
      assert.deepEqual(
        listed?.data.map((one) => one.version),
        Array.from({ length: 21 }, (_, n) => n + 1),
      );
      assert.equal(listed?.prompt.latestVersion, 21);
    });
  });
}

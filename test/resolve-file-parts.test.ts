import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import { LIMITS } from '../src/api/limits.ts';
import { mediaTypeOf, resolveFileParts, type FileReader } from '../src/engine/resolve-file-parts.ts';
import type { FileObject } from '../src/store/file-store.ts';

// The engine's resolution of file ids, over a reader that serves files from memory and counts
// its reads of bytes and its lookups (the server-level behaviour is in file-inputs.test.ts).

function reader(
  files: Record<string, { filename: string; content: Buffer }>,
): FileReader & { reads: number; lookups: number } {
  const object = (id: string, owner: string): FileObject | undefined => {
    const file = owner === 'alpha' ? files[id] : undefined;
    if (!file) return undefined;
    return {
      id,
      object: 'file',
      bytes: file.content.length,
      created_at: 0,
      filename: file.filename,
      purpose: 'user_data',
      status: 'processed',
      status_details: null,
    };
  };
  const served = {
    reads: 0,
    lookups: 0,
    async content(id: string, owner: string) {
      served.reads++;
      const file = object(id, owner);
      return file && { file, content: files[id]!.content };
    },
    async get(id: string, owner: string) {
      served.lookups++;
      return object(id, owner);
    },
  };
  return served;
}

const message = (id: string, content: Extract<Item, { type: 'message' }>['content']): Item => ({
  type: 'message',
  id,
  role: 'user',
  content,
});
const options = (files: FileReader, read = true) => ({
  files,
  owner: 'alpha',
  promptLength: 0,
  historyLength: 0,
  historyParam: 'previous_response_id' as const,
  read,
});

describe('resolveFileParts', () => {
  test('a turn without file ids is left alone, and the store is not read', async () => {
    const files = reader({});
    const items = [
      message('m1', [
        { type: 'input_text', text: 'hi' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERg==', filename: 'a.pdf' },
      ]),
    ];
    assert.equal(await resolveFileParts(items, options(files)), undefined);
    assert.equal(files.reads, 0);
  });

  test('resolves copies: the items given keep their file ids, a file named twice is read once', async () => {
    const files = reader({ 'file-a': { filename: 'notes.weird-ext', content: Buffer.from('abc') } });
    const items = [
      message('m1', [
        { type: 'input_file', file_id: 'file-a' },
        { type: 'input_file', file_id: 'file-a', filename: 'renamed.bin' },
      ]),
    ];
    const before = structuredClone(items);
    const resolved = await resolveFileParts(items, options(files));
    assert.deepEqual(items, before);
    assert.equal(files.reads, 1);
    const url = `data:application/octet-stream;base64,${Buffer.from('abc').toString('base64')}`;
    assert.deepEqual(resolved?.items, [
      message('m1', [
        { type: 'input_file', file_data: url, filename: 'notes.weird-ext' },
        { type: 'input_file', file_data: url, filename: 'renamed.bin' },
      ]),
    ]);
  });

  test('media types come from the extension', async () => {
    const names = ['a.pdf', 'b.PNG', 'c.jpeg', 'd.txt', 'e.csv', 'f', 'g.unknownext'];
    assert.deepEqual(await Promise.all(names.map(mediaTypeOf)), [
      'application/pdf',
      'image/png',
      'image/jpeg',
      'text/plain',
      'text/csv',
      'application/octet-stream',
      'application/octet-stream',
    ]);
  });

  test(`the bytes inlined in one turn come to at most ${LIMITS.inlinedFileBytes}: past it, a 400 naming the part`, async () => {
    const half = Buffer.alloc(LIMITS.inlinedFileBytes / 2 + 1);
    const files = reader({
      'file-a': { filename: 'a.bin', content: half },
      'file-b': { filename: 'b.bin', content: half },
    });
    const items = [
      message('m1', [{ type: 'input_file', file_id: 'file-a' }]),
      message('m2', [{ type: 'input_file', file_id: 'file-b' }]),
    ];
    await assert.rejects(resolveFileParts(items, options(files)), {
      status: 400,
      code: 'limit_exceeded',
      param: 'input[1].content[0].file_id',
    });
    // One of them fits.
    const one = await resolveFileParts(items.slice(0, 1), options(files));
    assert.equal(one?.items.length, 1);
    // A turn that is only checked is held to the same limit, by the files' sizes.
    await assert.rejects(resolveFileParts(items, options(files, false)), { code: 'limit_exceeded' });
  });

  test('a turn only checked looks its files up without reading them, and refuses what a sent one would', async () => {
    const files = reader({
      'file-a': { filename: 'a.pdf', content: Buffer.from('%PDF') },
      'file-p': { filename: 'p.png', content: Buffer.from('png') },
    });
    const items = [
      message('m1', [
        { type: 'input_file', file_id: 'file-a' },
        { type: 'input_image', file_id: 'file-p', detail: 'low' },
      ]),
    ];
    const checked = await resolveFileParts(items, options(files, false));
    assert.deepEqual(checked?.items, [
      message('m1', [
        { type: 'input_file', file_data: 'data:application/pdf;base64,', filename: 'a.pdf' },
        { type: 'input_image', image_url: 'data:image/png;base64,', detail: 'low' },
      ]),
    ]);
    assert.deepEqual([files.reads, files.lookups], [0, 2]);
    await assert.rejects(
      resolveFileParts([message('m1', [{ type: 'input_file', file_id: 'file-x' }])], options(files, false)),
      { status: 400, code: 'file_not_found', param: 'input[0].content[0].file_id' },
    );
    await assert.rejects(
      resolveFileParts(
        [message('m1', [{ type: 'input_image', file_id: 'file-a', detail: 'auto' }])],
        options(files, false),
      ),
      { status: 400, code: 'invalid_value', param: 'input[0].content[0].file_id' },
    );
    assert.equal(files.reads, 0);
  });
});

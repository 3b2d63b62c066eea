import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { LIMITS } from '../src/api/limits.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { projectClients } from './support/project-keys.ts';

let gateway: GatewayUnderTest;
let alpha: OpenAI;
let beta: OpenAI;
let paging: OpenAI;
let admin: Record<string, string>;

before(async () => {
  gateway = await startGateway();
  const made = await projectClients(gateway, ['alpha', 'beta', 'paging']);
  [alpha, beta, paging] = [made.clients.alpha!, made.clients.beta!, made.clients.paging!];
  admin = made.admin;
});
after(() => gateway.stop());

const FILE_KEYS = ['bytes', 'created_at', 'filename', 'id', 'object', 'purpose', 'status', 'status_details'];

describe('the Files API, through the official SDK', () => {
  test('upload, retrieve, download, list and delete', async () => {
    const text = 'Portico keeps uploaded files in its store.\n';
    const file = await alpha.files.create({
      file: await toFile(Buffer.from(text), 'notes.txt'),
      purpose: 'assistants',
    });
    assert.deepEqual(Object.keys(file).sort(), FILE_KEYS);
    assert.match(file.id, /^file_/);
    assert.deepEqual(
      [file.object, file.bytes, file.filename, file.purpose, file.status],
      ['file', Buffer.byteLength(text), 'notes.txt', 'assistants', 'processed'],
    );
    assert.deepEqual(await alpha.files.retrieve(file.id), file);
    const content = await alpha.files.content(file.id);
    assert.equal(await content.text(), text);
    const listed = await alpha.files.list();
    assert.ok(listed.data.some((one) => one.id === file.id));
    assert.deepEqual(await alpha.files.delete(file.id), { id: file.id, object: 'file', deleted: true });
    await assert.rejects(alpha.files.retrieve(file.id), { status: 404 });
    await assert.rejects(alpha.files.content(file.id), { status: 404 });
  });

  test("another project's key gets a 404 for every method, and never sees the file listed", async () => {
    const file = await alpha.files.create({
      file: await toFile(Buffer.from('secret'), 's.txt'),
      purpose: 'user_data',
    });
    for (const attempt of [
      () => beta.files.retrieve(file.id),
      () => beta.files.content(file.id),
      () => beta.files.delete(file.id),
    ])
      await assert.rejects(attempt(), (error: { status: number; code: string }) => {
        assert.deepEqual([error.status, error.code], [404, 'file_not_found']);
        return true;
      });
    assert.ok(!(await beta.files.list()).data.some((one) => one.id === file.id));
    assert.equal((await alpha.files.retrieve(file.id)).id, file.id);
  });

  test('pages with limit, order and after; filters by purpose; pages through with the SDK', async () => {
    const client = paging;
    const made: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) {
      const purpose = n % 2 ? 'assistants' : 'batch';
      made.push(
        (await client.files.create({ file: await toFile(Buffer.from(`f${n}`), `f${n}.txt`), purpose })).id,
      );
    }
    const page = await client.files.list({ limit: 2, order: 'asc' });
    assert.deepEqual([page.data.map((f) => f.id), page.has_more], [made.slice(0, 2), true]);
    const all: string[] = [];
    for await (const file of client.files.list({ limit: 2 })) all.push(file.id);
    assert.deepEqual(all, [...made].reverse());
    const batch = await client.files.list({ purpose: 'batch' });
    assert.deepEqual(
      batch.data.map((f) => f.id),
      [made[3], made[1]],
    );
    assert.ok(
      batch.data.every((f) => f.expires_at === f.created_at + 30 * 24 * 3600),
      'batch files expire in 30 days',
    );
  });

  test('expires_after sets expires_at', async () => {
    const file = await alpha.files.create({
      file: await toFile(Buffer.from('brief'), 'brief.txt'),
      purpose: 'user_data',
      expires_after: { anchor: 'created_at', seconds: 3600 },
    });
    assert.equal(file.expires_at, file.created_at + 3600);
  });

  test('bad uploads are 400s naming the parameter; an oversized file is refused', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'homework' }, 'purpose'],
      [{ file: await toFile(Buffer.from('x'), 'x.txt') }, 'purpose'],
      [{ purpose: 'assistants' }, 'file'],
      [{ file: await toFile(Buffer.from(''), 'x.txt'), purpose: 'assistants' }, 'file'],
      [
        {
          file: await toFile(Buffer.from('x'), 'x.txt'),
          purpose: 'assistants',
          expires_after: { anchor: 'created_at', seconds: 60 },
        },
        'expires_after.seconds',
      ],
    ];
    for (const [body, param] of cases)
      await assert.rejects(
        alpha.files.create(body as unknown as OpenAI.FileCreateParams),
        (error: { status: number; param: string }) => {
          assert.deepEqual([error.status, error.param], [400, param]);
          return true;
        },
      );
    // `curl -F file=notes.txt` (no `@`) sends the file's name as a text field.
    const text = new FormData();
    text.set('purpose', 'assistants');
    text.set('file', 'notes.txt');
    const named = await fetch(`${gateway.url}/v1/files`, { method: 'POST', body: text, headers: admin });
    const { error } = (await named.json()) as { error: { param: string; code: string; message: string } };
    assert.deepEqual([named.status, error.param, error.code], [400, 'file', 'invalid_value']);
    assert.match(error.message, /a file part .*not a text field/);
    const json = await gateway.request('POST', '/v1/files', { purpose: 'assistants' }, admin);
    assert.equal(json.status, 400);
    const huge = new FormData();
    huge.set('purpose', 'assistants');
    huge.set('file', new Blob([new Uint8Array(LIMITS.fileBytes + 1)]), 'huge.bin');
    const refused = await fetch(`${gateway.url}/v1/files`, { method: 'POST', body: huge, headers: admin });
    assert.equal(refused.status, 413);
    assert.equal(((await refused.json()) as { error: { param: string } }).error.param, 'file');
    const listed = await gateway.request('GET', '/v1/files?limit=0', undefined, admin);
    assert.equal((listed.json.error as { param: string }).param, 'limit');
  });

  test('a form is read as a form: a name of any script, fields nested or not, and a broken body is a 400', async () => {
    const form = new FormData();
    form.set('purpose', 'assistants');
    form.set('expires_after[anchor]', 'created_at');
    form.set('expires_after[seconds]', '7200');
    form.set('file', new Blob(['Ünïcödé body, 世界']), 'résumé 世界.txt');
    const made = await fetch(`${gateway.url}/v1/files`, { method: 'POST', body: form, headers: admin });
    const file = (await made.json()) as {
      filename: string;
      bytes: number;
      created_at: number;
      expires_at: number;
    };
    assert.equal(made.status, 200);
    assert.equal(file.filename, 'résumé 世界.txt');
    assert.equal(file.bytes, Buffer.byteLength('Ünïcödé body, 世界'));
    assert.equal(file.expires_at - file.created_at, 7200);
    const broken: Array<[string, string]> = [
      [
        'multipart/form-data; boundary=abc',
        '--abc\r\ncontent-disposition: form-data; name="file"; filename="x"\r\n\r\nno end',
      ],
      ['multipart/form-data; charset=utf-8', '--abc\r\n\r\n--abc--'],
      // A malformed part header: busboy fails inside its write (this ended the process).
      ['multipart/form-data; boundary=zzz', '--zzz\r\nnot a header\r\n\r\nabc\r\n--zzz--\r\n'],
      ['multipart/form-data; boundary=zzz', '--zzz\r\n\r\nabc\r\n--zzz--\r\n'],
    ];
    for (const [type, body] of broken) {
      const answer = await fetch(`${gateway.url}/v1/files`, {
        method: 'POST',
        body,
        headers: { ...admin, 'content-type': type },
      });
      assert.equal(answer.status, 400, type);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'invalid_body', type);
    }
    const plain = await fetch(`${gateway.url}/v1/files`, {
      method: 'POST',
      body: 'purpose=assistants',
      headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(((await plain.json()) as { error: { code: string } }).error.code, 'invalid_content_type');
  });
});

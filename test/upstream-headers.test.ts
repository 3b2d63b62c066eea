import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upstreamHeaders } from '../src/providers/http/upstream-headers.ts';
import type { UpstreamOptions } from '../src/providers/http/upstream-options.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';

const options = (apiKey: string | undefined, headers: Record<string, string>): UpstreamOptions => ({
  id: 'test',
  baseUrl: 'http://127.0.0.1:9/v1',
  apiKey,
  headers,
  timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000 },
  post: undiciPost,
});

test('configured headers are merged lower-cased, and the key replaces a configured Authorization', () => {
  const headers = upstreamHeaders(
    options('sk-key', { Authorization: 'Bearer configured', 'OpenAI-Project': 'proj_1', Accept: 'x' }),
    'application/json',
  );
  assert.deepEqual(headers, {
    'content-type': 'application/json',
    accept: 'x',
    authorization: 'Bearer sk-key',
    'openai-project': 'proj_1',
  });
});

test("a protocol's own key header and fixed headers: configured headers over the fixed, the key over all", () => {
  const headers = upstreamHeaders(
    options('sk-ant', { 'X-Api-Key': 'configured', 'Anthropic-Version': '2099-01-01' }),
    'text/event-stream',
    (key) => ['x-api-key', key],
    { 'anthropic-version': '2023-06-01' },
  );
  assert.deepEqual(headers, {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    'anthropic-version': '2099-01-01',
    'x-api-key': 'sk-ant',
  });
});

test('without a key no credential is sent, and each provider and accept is built once', () => {
  const local = options(undefined, {});
  const json = upstreamHeaders(local, 'application/json');
  assert.deepEqual(json, { 'content-type': 'application/json', accept: 'application/json' });
  assert.equal(upstreamHeaders(local, 'application/json'), json);
  assert.notEqual(upstreamHeaders(local, 'text/event-stream'), json);
  assert.notEqual(upstreamHeaders(options(undefined, {}), 'application/json'), json);
});

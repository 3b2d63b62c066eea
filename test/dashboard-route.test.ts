import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { dashboardRoutes } from '../src/server/routes/dashboard.ts';

describe('the dashboard route', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-dashboard-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const built = pathToFileURL(`${dir}/built/`);
  mkdirSync(new URL('assets/', built), { recursive: true });
  writeFileSync(new URL('index.html', built), '<!doctype html><title>Portico</title>');
  writeFileSync(new URL('assets/app-ABC123.js', built), 'console.log(1)');
  writeFileSync(new URL('secret.txt', built), 'not an asset');

  test('serves the shell uncached, with a strict content security policy', async () => {
    const answer = await dashboardRoutes(built).request('/');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(answer.headers.get('cache-control'), 'no-cache');
    assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(await answer.text(), '<!doctype html><title>Portico</title>');
  });

  test('serves hashed assets for good, and nothing outside assets/', async () => {
    const routes = dashboardRoutes(built);
    const asset = await routes.request('/assets/app-ABC123.js');
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    for (const path of ['/assets/..%2Fsecret.txt', '/assets/missing.js', '/assets/app-ABC123.exe'])
      assert.equal((await routes.request(path)).status, 404, path);
  });

  test('says how to build the dashboard when it is not built', async () => {
    const answer = await dashboardRoutes(pathToFileURL(`${dir}/nothing/`)).request('/');
    assert.equal(answer.status, 503);
    assert.match(await answer.text(), /npm run build:dashboard/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../src/api/errors.ts';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import { Catalog } from '../../src/catalog/catalog.ts';
import { startResponse } from '../../src/engine/create-response.ts';
import { randomId } from '../../src/engine/ids.ts';
import type { Provider } from '../../src/providers/provider.ts';
import { openSqliteStores } from '../../src/store/sqlite-stores.ts';
import { loadFixture, type Fixture } from './replay-server.ts';
import { replayThroughSdk } from './sdk-replay.ts';
import { checkResponseStream } from './stream-checks.ts';

export interface FixturesThroughEngine {
  /** The folder under test/fixtures whose every recorded stream is run. */
  dir: string;
  /** The provider under test, already pointed at the replay server. */
  upstream: Provider;
  /** The catalog model that routes to `upstream`. */
  served: CatalogModel;
  /** Makes the replay server answer the next upstream request with this fixture. */
  serve: (fixture: Fixture) => void;
}

const request = (model: string) => ({
  model,
  input: 'Hi',
  tools: [
    { type: 'function' as const, name: 'get_weather', description: 'Weather', parameters: {}, strict: false },
    { type: 'custom' as const, name: 'run_sql' },
  ],
});

/**
 * Runs every recorded stream of `dir` through the real engine over `upstream` and checks what
 * a client would see: an HTTP error before the stream, or a Responses stream that the published
 * schema and the official SDK's accumulator both accept. Returns `<file>: <HTTP status or
 * response status>` for each fixture, in file name order.
 */
export async function checkFixturesThroughEngine(options: FixturesThroughEngine): Promise<string[]> {
  const { dir, upstream, served, serve } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-provider-'));
  const stores = openSqliteStores({ dataDir });
  const store = stores.responses;
  const catalog = new Catalog([served], new Map([[served.provider, upstream]]));
  const context = { catalog, store, newId: randomId, now: Date.now, owner: 'test' };
  const folder = new URL(`../fixtures/${dir}/`, import.meta.url);
  const seen: string[] = [];
  try {
    for (const file of readdirSync(folder).sort()) {
      serve(loadFixture(new URL(file, folder)));
      let started;
      try {
        started = await startResponse(request(served.id), context, new AbortController().signal);
      } catch (error) {
        assert.ok(error instanceof ApiError, file);
        seen.push(`${file}: ${error.status}`);
        continue;
      }
      const events: Array<Record<string, unknown>> = [];
      for await (const event of started.events) events.push({ ...event });
      const response = checkResponseStream(events);
      const sdk = await replayThroughSdk(events, served.id);
      assert.equal(sdk.count, events.length, file);
      if (response.status === 'completed') assert.equal(sdk.final.output_text, response.output_text, file);
      seen.push(`${file}: ${String(response.status)}`);
    }
  } finally {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return seen;
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveToolsConfig } from '../src/config/tools-config.ts';
import { randomId } from '../src/engine/ids.ts';
import { silentLogger } from '../src/logger.ts';
import type { ContainerStore } from '../src/store/container-store.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { Containers } from '../src/tools/code-interpreter/containers.ts';
import type { InterpreterRun, Interpreters } from '../src/tools/code-interpreter/interpreters.ts';

/**
 * Interpreters that run nothing but keep track of the files they were given, as the real pool
 * does, and write `out.txt` on every run.
 */
class HoldingInterpreters implements Interpreters {
  readonly held = new Map<string, string>();
  readonly given: string[][] = [];

  async run(run: InterpreterRun): Promise<void> {
    const fresh = await run.fresh(this.held);
    this.given.push(fresh.map((file) => `${file.path}=${file.data.toString()}`));
    for (const { path, id } of fresh) this.held.set(path, id);
    const kept = await run.keep({
      logs: '',
      error: null,
      files: [{ path: 'out.txt', data: Buffer.from('out') }],
    });
    for (const { path, id } of kept) this.held.set(path, id);
  }

  stop(): void {}
  close(): void {}
}

describe('containers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-containers-'));
  const stores = openSqliteStores({ dataDir });
  after(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a run reads the content of only the files its interpreter lacks', async () => {
    const contentReads: string[] = [];
    const counting = new Proxy(stores.containers, {
      get: (target, name: keyof ContainerStore) =>
        name === 'fileContent'
          ? (containerId: string, fileId: string, owner: string) => {
              contentReads.push(fileId);
              return target.fileContent(containerId, fileId, owner);
            }
          : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    const interpreters = new HoldingInterpreters();
    const containers = new Containers(
      counting,
      interpreters,
      resolveToolsConfig(undefined, {}).codeInterpreter,
      randomId,
      Date.now,
      silentLogger,
    );
    try {
      const { id } = await containers.create('alice', { name: 'c' });
      const a = await containers.addFile(id, 'alice', 'a.txt', Buffer.from('A'), 'user');
      await containers.addFile(id, 'alice', 'b.txt', Buffer.from('B'), 'user');
      const signal = new AbortController().signal;

      const first = await containers.run(id, 'alice', 'pass', signal);
      assert.deepEqual(
        first.written.map((file) => file.path),
        ['/mnt/data/out.txt'],
      );
      // Files added in the same millisecond have no order between them: compared as a set.
      assert.deepEqual(interpreters.given[0]!.toSorted(), ['a.txt=A', 'b.txt=B']);
      assert.equal(contentReads.length, 2);

      // The interpreter holds both files and the one it wrote: nothing is read again.
      await containers.run(id, 'alice', 'pass', signal);
      assert.deepEqual(interpreters.given[1], []);
      assert.equal(contentReads.length, 2);

      // A new version of one file is read, alone.
      const a2 = await containers.addFile(id, 'alice', 'a.txt', Buffer.from('A2'), 'user');
      await containers.run(id, 'alice', 'pass', signal);
      assert.deepEqual(interpreters.given[2], ['a.txt=A2']);
      assert.deepEqual(contentReads.slice(2), [a2!.id]);
      assert.notEqual(a!.id, a2!.id);
    } finally {
      containers.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { ConfigError } from '../../src/config/load-config.ts';

/**
 * A scratch folder for a test file's config files, made before its tests and removed after:
 * `path` names a file there, `file` writes one.
 */
export function configFiles(): {
  path(name: string): string;
  file(name: string, text: string): Promise<string>;
} {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const path = (name: string) => join(dir, name);
  return {
    path,
    async file(name, text) {
      await writeFile(path(name), text);
      return path(name);
    },
  };
}

/** The ConfigError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

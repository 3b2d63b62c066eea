/**
 * Copies what tsc does not emit from src/ to the same place in dist/: the files a compiled
 * module finds beside itself (`new URL('x', import.meta.url)`), such as the code interpreter's
 * child script, src/tools/code-interpreter/python-sandbox.mjs, which runs without the
 * TypeScript loader. Run by `npm run build` after tsc.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

for (const entry of await readdir(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = join(entry.parentPath ?? entry.path, entry.name);
  const to = join(dist, from.slice(src.length));
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

/**
 * Builds the dashboard into dashboard/dist: one hashed script and stylesheet under assets/
 * (cached for good) and index.html naming them (never cached). Everything is bundled, so the
 * served dashboard needs nothing from the internet. Run by `npm run build:dashboard` and by
 * `prepare`, so `npm ci` builds it.
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('./', import.meta.url);
const dist = fileURLToPath(new URL('dist/', root));

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const result = await build({
  entryPoints: { app: fileURLToPath(new URL('src/main.tsx', root)) },
  outdir: `${dist}assets`,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => name.endsWith('.js'));
const styles = outputs.find((name) => name.endsWith('.css'));
if (!script || !styles)
  throw new Error(`the dashboard build made no script or stylesheet: ${outputs.join(', ')}`);
const template = await readFile(new URL('index.html', root), 'utf8');
await writeFile(
  `${dist}index.html`,
  template.replace('%SCRIPT%', `/assets/${script}`).replace('%STYLES%', `/assets/${styles}`),
);
process.stderr.write(`Dashboard built into ${dist} (${outputs.join(', ')})\n`);

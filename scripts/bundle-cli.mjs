/**
 * Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/, the code `bin/portico.js` runs:
 * `portico serve` then reads a few files instead of ~500 modules, and zod's unused locales are
 * left out, which halves the CPU time from start to the first answer. Dynamic imports stay
 * separate chunks, loaded on first use. Packages other than BUNDLED stay in node_modules (native
 * addons, files found beside their code, what loads only on first use). Run by `npm run build`
 * after tsc.
 */
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages `portico serve` loads at start, bundled with Portico's own modules. */
const BUNDLED = ['zod', 'hono', '@hono/node-server', 'ws'];

const root = new URL('../', import.meta.url);
const dist = fileURLToPath(new URL('dist/', root));
const outdir = fileURLToPath(new URL('dist/bundle/', root));
const { dependencies } = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));

/**
 * A module that finds files beside itself (`new URL('x', import.meta.url)`) keeps finding them:
 * its `import.meta.url` is rewritten to the URL of its compiled file in dist/.
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      if (!path.startsWith(dist)) return undefined;
      const source = await readFile(path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const url = `new URL(${JSON.stringify(relative(outdir, path).split(sep).join('/'))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { portico: `${dist}cli/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(dependencies).filter((name) => !BUNDLED.includes(name)),
  plugins: [keepModuleUrls],
  // What a bundled CommonJS package (ws) requires is found as it would be from node_modules.
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

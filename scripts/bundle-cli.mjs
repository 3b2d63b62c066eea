/**
 * Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/, the code `bin/portico.js` runs:
 * `portico serve` then reads a few files instead of ~520 modules and leaves out what of zod it
 * does not use, which more than halves its CPU time from start to the first answer. Dynamic
 * imports stay separate chunks, loaded on first use. Packages other than BUNDLED stay in
 * node_modules (native addons, files found beside their code, what loads only on first use).
 * Run by `npm run build` after tsc and scripts/copy-assets.mjs.
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
 * Two rewrites of the compiled modules, in the bundle only:
 * - a module that finds files beside itself (`new URL('x', import.meta.url)`) keeps finding
 *   them: its `import.meta.url` becomes the URL of its compiled file in dist/;
 * - `import { z } from 'zod'` becomes `import * as z from 'zod'`, the same bindings, which lets
 *   esbuild keep only the zod functions in use (the named `z` is one object holding all of zod,
 *   its ~50 locales included: 750 KB of the bundle instead of ~170 KB).
 */
const compiledModules = {
  name: 'compiled-modules',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      if (!path.startsWith(dist)) return undefined;
      const url = `new URL(${JSON.stringify(relative(outdir, path).split(sep).join('/'))}, import.meta.url).href`;
      const source = (await readFile(path, 'utf8'))
        .replaceAll('import.meta.url', url)
        .replace(/^import \{ z \} from 'zod';$/m, "import * as z from 'zod';");
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * @hono/node-server imports node:http2 for its HTTP/2 handling, which checks whether a request
 * is an `Http2ServerRequest` and closes HTTP/2 streams with `constants.NGHTTP2_NO_ERROR`.
 * Portico serves HTTP/1.1 only (its server is node:http's), so no request is one and no stream
 * is closed, and importing it here cost ~7% of `portico serve`'s start to its first answer
 * (docs/performance.md). In the bundle, its import there is this module's instead: a class
 * nothing is an instance of, and the constant. Should @hono/node-server import more of
 * node:http2, esbuild fails the build on the missing export.
 */
const noHttp2 = {
  name: 'no-http2',
  setup(build) {
    build.onResolve({ filter: /^node:http2$/ }, ({ importer }) =>
      importer.includes(`${sep}@hono${sep}node-server${sep}`)
        ? { path: 'http2', namespace: 'no-http2' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-http2' }, () => ({
      contents: 'export class Http2ServerRequest {}\nexport const constants = { NGHTTP2_NO_ERROR: 0 };',
      loader: 'js',
    }));
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
  plugins: [compiledModules, noHttp2],
  // What a bundled CommonJS package (ws) requires is found as it would be from node_modules.
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  logLevel: 'warning',
});

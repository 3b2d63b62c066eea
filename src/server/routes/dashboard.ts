import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Hono } from 'hono';
import { notFound } from '../../api/errors.ts';

/** Where `npm run build:dashboard` writes; the same depth from src/ and from a compiled dist/. */
export const DASHBOARD_DIST = new URL('../../../dashboard/dist/', import.meta.url);

const NOT_BUILT = `The Portico dashboard is not built. Run \`npm run build:dashboard\` (npm ci and npm install run it for you), then reload.
The API is served under /v1 either way.
`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The shell holds no data: every call it makes goes to the API with the key typed into it. */
const SHELL_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

async function readAsset(dir: URL, name: string): Promise<Buffer | undefined> {
  try {
    return await readFile(new URL(name, dir));
  } catch {
    return undefined;
  }
}

/**
 * The dashboard at `/`: its index page and its hashed (so cached for good) assets, served
 * before authentication because they are the same static files for everyone.
 */
export function dashboardRoutes(dir: URL = DASHBOARD_DIST): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const page = await readAsset(dir, 'index.html');
    if (!page) return c.text(NOT_BUILT, 503, { 'cache-control': 'no-cache' });
    return c.body(page.toString('utf8'), 200, {
      ...SHELL_HEADERS,
      'content-type': 'text/html; charset=utf-8',
    });
  });
  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = TYPES[extname(name)];
    const body = /^[\w.-]+$/.test(name) && type ? await readAsset(new URL('assets/', dir), name) : undefined;
    if (!body || !type)
      return c.json(
        notFound(`No dashboard asset named '${name.slice(0, 100)}'.`, 'unknown_route').toJSON(),
        404,
      );
    return c.body(new Uint8Array(body), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
  });
  return app;
}

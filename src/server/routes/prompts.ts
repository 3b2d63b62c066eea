import { Hono } from 'hono';
import { parsePromptVersion } from '../../api/prompt-version.ts';
import { CreatePromptBody, CreatePromptVersionBody, UpdatePromptBody } from '../../api/prompts.ts';
import { parseBody } from '../../api/request.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { listingOwner } from '../listing-owner.ts';
import { pageQuery } from '../page-query.ts';
import { readJson } from '../read-json.ts';

/** Reusable prompts and their versions, scoped to the key's project (runtime.prompts does the work). */
export function promptsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const prompts = runtime.prompts;

  app.post('/prompts', async (c) => {
    const body = parseBody(CreatePromptBody, (await readJson(c.env)).value);
    return c.json(await prompts.create(body, c.get('owner')));
  });

  app.get('/prompts', async (c) =>
    c.json(await prompts.list(listingOwner(c, 'Listing prompts'), pageQuery(c.req.query()))),
  );

  app.get('/prompts/:id', async (c) => {
    const version = c.req.query('version');
    return c.json(
      await prompts.get(
        c.req.param('id'),
        c.get('owner'),
        version === undefined ? undefined : parsePromptVersion(version, 'version'),
      ),
    );
  });

  app.post('/prompts/:id', async (c) => {
    const body = parseBody(UpdatePromptBody, (await readJson(c.env)).value);
    return c.json(await prompts.update(c.req.param('id'), body, c.get('owner')));
  });

  app.delete('/prompts/:id', async (c) => c.json(await prompts.delete(c.req.param('id'), c.get('owner'))));

  app.post('/prompts/:id/versions', async (c) => {
    const body = parseBody(CreatePromptVersionBody, (await readJson(c.env)).value);
    return c.json(await prompts.addVersion(c.req.param('id'), body, c.get('owner')));
  });

  app.get('/prompts/:id/versions', async (c) =>
    c.json(await prompts.listVersions(c.req.param('id'), c.get('owner'), pageQuery(c.req.query()))),
  );

  return app;
}

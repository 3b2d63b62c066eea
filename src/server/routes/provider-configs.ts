import { Hono } from 'hono';
import { CreateProviderConfig, UpdateProviderConfig } from '../../api/provider-configs.ts';
import { providerConfigObject } from '../../gateway/provider-config-objects.ts';
import { parseBody } from '../../api/request.ts';
import { requireAdmin } from '../../gateway/principal.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

/**
 * The provider keys stored for a gateway (BYOK), admin only: `/v1/gateways/:id/provider_configs`
 * lists and creates them, `…/:config_id` reads, changes (rotates the secret) and deletes one.
 * No answer carries a secret, only its preview.
 */
export function providerConfigRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const configs = runtime.providerConfigs;
  app.use('/gateways/:id/provider_configs', async (c, next) => (requireAdmin(c.get('principal')), next()));
  app.use('/gateways/:id/provider_configs/*', async (c, next) => (requireAdmin(c.get('principal')), next()));

  app.get('/gateways/:id/provider_configs', async (c) =>
    c.json({ object: 'list', data: (await configs.list(c.req.param('id'))).map(providerConfigObject) }),
  );
  app.post('/gateways/:id/provider_configs', async (c) => {
    const input = parseBody(CreateProviderConfig, (await readJson(c.env)).value);
    return c.json(providerConfigObject(await configs.create(c.req.param('id'), input)), 201);
  });
  app.get('/gateways/:id/provider_configs/:config_id', async (c) =>
    c.json(providerConfigObject(await configs.find(c.req.param('id'), c.req.param('config_id')))),
  );
  app.patch('/gateways/:id/provider_configs/:config_id', async (c) => {
    const patch = parseBody(UpdateProviderConfig, (await readJson(c.env)).value);
    const record = await configs.update(c.req.param('id'), c.req.param('config_id'), patch);
    return c.json(providerConfigObject(record));
  });
  app.delete('/gateways/:id/provider_configs/:config_id', async (c) => {
    const record = await configs.delete(c.req.param('id'), c.req.param('config_id'));
    return c.json({ id: record.id, object: 'gateway.provider_config', deleted: true });
  });
  return app;
}

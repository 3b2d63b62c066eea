import { Hono } from 'hono';
import { z } from 'zod';
import { badRequest } from '../../api/errors.ts';
import { GATEWAY_ID, GatewaySettingsInput, gatewayObject } from '../../api/gateway-settings.ts';
import { CreateKeyRequest, PROJECT_ID, UpdateKeyRequest } from '../../api/keys.ts';
import { parseBody } from '../../api/request.ts';
import { gatewayNotFound } from '../../gateway/gateway-registry.ts';
import { keyObject } from '../../gateway/key-objects.ts';
import { requireAdmin } from '../../gateway/principal.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

const CreateGatewayRequest = GatewaySettingsInput.extend({ id: GATEWAY_ID });
const KeyListQuery = z.object({
  project: PROJECT_ID.optional(),
  include_revoked: z.enum(['true', 'false']).optional(),
});

/** Keys (`/v1/keys`) and gateways (`/v1/gateways`), for admin keys only. */
export function adminRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const keys = runtime.gateway.keys;
  const gateways = runtime.gatewayAdmin;
  app.use('/keys/*', async (c, next) => (requireAdmin(c.get('principal')), next()));
  app.use('/keys', async (c, next) => (requireAdmin(c.get('principal')), next()));
  app.use('/gateways/*', async (c, next) => (requireAdmin(c.get('principal')), next()));
  app.use('/gateways', async (c, next) => (requireAdmin(c.get('principal')), next()));

  app.get('/keys', async (c) => {
    const query = parseBody(KeyListQuery, c.req.query());
    const list = await runtime.stores.keys.list({
      ...(query.project !== undefined ? { project: query.project } : {}),
      includeRevoked: query.include_revoked === 'true',
    });
    return c.json({ object: 'list', data: list.map(keyObject) });
  });
  app.post('/keys', async (c) => {
    const request = parseBody(CreateKeyRequest, (await readJson(c.env)).value);
    // Without a key the caller is the loopback user of a server that has none (open mode). Its
    // first key decides: once one exists, the admin API needs an admin key.
    if (c.get('principal').keyId === null && request.scopes?.admin !== true)
      throw badRequest(
        'scopes.admin',
        'The first key must be an admin key (scopes: {admin: true}): once a key exists, only an admin key can manage keys over HTTP.',
      );
    const { record, key } = await keys.create(request);
    // The only time the key itself leaves the server.
    return c.json({ ...keyObject(record), key }, 201);
  });
  app.get('/keys/:id', async (c) => c.json(keyObject(await keys.get(c.req.param('id')))));
  app.patch('/keys/:id', async (c) => {
    const request = parseBody(UpdateKeyRequest, (await readJson(c.env)).value);
    return c.json(keyObject(await keys.update(c.req.param('id'), request)));
  });
  app.delete('/keys/:id', async (c) => c.json(keyObject(await keys.revoke(c.req.param('id')))));

  app.get('/gateways', async (c) =>
    c.json({ object: 'list', data: (await runtime.gateway.gateways.list()).map(gatewayObject) }),
  );
  app.post('/gateways', async (c) => {
    const { id, ...settings } = parseBody(CreateGatewayRequest, (await readJson(c.env)).value);
    return c.json(gatewayObject(await gateways.create(id, settings)), 201);
  });
  app.get('/gateways/:id', async (c) => {
    const settings = await runtime.gateway.gateways.get(c.req.param('id'));
    if (!settings) throw gatewayNotFound(c.req.param('id'));
    return c.json(gatewayObject(settings));
  });
  app.patch('/gateways/:id', async (c) => {
    const input = parseBody(GatewaySettingsInput, (await readJson(c.env)).value);
    return c.json(gatewayObject(await gateways.update(c.req.param('id'), input)));
  });
  app.delete('/gateways/:id', async (c) => {
    await gateways.delete(c.req.param('id'));
    return c.json({ id: c.req.param('id'), object: 'gateway', deleted: true });
  });
  return app;
}

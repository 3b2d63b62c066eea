import { Hono, type MiddlewareHandler } from 'hono';
import { pagedEnvelope, pageItems } from '../../formats/workers-ai/cloudflare-page.ts';
import { GatewaySettingsInput } from '../../api/gateway-settings.ts';
import { parseBody } from '../../api/request.ts';
import { envelope } from '../../api/workers-ai-envelope.ts';
import {
  CloudflareGatewayCreate,
  CloudflareGatewayListQuery,
  CloudflareGatewayUpdate,
  cloudflareGatewayObject,
  settingsInput,
} from '../../formats/workers-ai/gateway-object.ts';
import { gatewayNotFound } from '../../gateway/gateway-registry.ts';
import { requireAdmin } from '../../gateway/principal.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

/** Cloudflare's gateway APIs (gateways, provider configs) are for admin keys. */
export const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => (
  requireAdmin(c.get('principal')),
  next()
);

/**
 * Cloudflare's gateway API (`aiGateway.create`, `list`, `get`, `update`, `delete` of its SDK,
 * its Terraform and Pulumi resources) under `/client/v4/accounts/:account/ai-gateway/gateways`:
 * the same gateways, admin keys and rules as `/v1/gateways` (GatewayAdmin), in Cloudflare's
 * field names and envelope.
 */
export function cloudflareGatewayRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const gateways = runtime.gatewayAdmin;
  const find = async (id: string) => {
    const settings = await runtime.gateway.gateways.get(id);
    if (!settings) throw gatewayNotFound(id);
    return settings;
  };
  // On these paths only: the log API below them (…/:gateway/logs) takes project keys.
  app.use('/', adminOnly);
  app.use('/:id', adminOnly);

  app.get('/', async (c) => {
    const query = parseBody(CloudflareGatewayListQuery, c.req.query());
    const search = query.search?.toLowerCase();
    const all = (await runtime.gateway.gateways.list()).filter(
      (settings) => search === undefined || settings.id.includes(search),
    );
    return c.json(pagedEnvelope(pageItems(all, query).map(cloudflareGatewayObject), query, all.length));
  });
  app.post('/', async (c) => {
    const { id, ...fields } = parseBody(CloudflareGatewayCreate, (await readJson(c.env)).value);
    const settings = await gateways.create(id, parseBody(GatewaySettingsInput, settingsInput(fields)));
    return c.json(envelope(cloudflareGatewayObject(settings)));
  });
  app.get('/:id', async (c) => c.json(envelope(cloudflareGatewayObject(await find(c.req.param('id'))))));
  app.put('/:id', async (c) => {
    const fields = parseBody(CloudflareGatewayUpdate, (await readJson(c.env)).value);
    const input = parseBody(GatewaySettingsInput, settingsInput(fields));
    const settings = await gateways.update(c.req.param('id'), input);
    return c.json(envelope(cloudflareGatewayObject(settings)));
  });
  app.delete('/:id', async (c) => {
    const settings = await find(c.req.param('id'));
    await gateways.delete(settings.id);
    return c.json(envelope(cloudflareGatewayObject(settings)));
  });
  return app;
}

import type { Context, Hono, MiddlewareHandler } from 'hono';
import { DynamicRouteInput, RouteGraphInput } from '../../api/dynamic-route.ts';
import { badRequest } from '../../api/errors.ts';
import { parseBody } from '../../api/request.ts';
import { envelope } from '../../api/workers-ai-envelope.ts';
import {
  CloudflareRouteDeploy,
  CloudflareRoutePageQuery,
  CloudflareRouteUpdate,
  deploymentObject,
  routeObject,
  routePage,
  versionEntry,
  versionObject,
} from '../../formats/workers-ai/route-object.ts';
import { requireAdmin } from '../../gateway/principal.ts';
import { RouteAdmin, type ManagedRoute } from '../../gateway/route-admin.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

const ROUTES = '/ai-gateway/gateways/:gateway/routes';

/**
 * Cloudflare's route API (`aiGateway.dynamicRouting.create / list / get / update / delete /
 * createVersion / listVersions / getVersion / createDeployment / listDeployments` of its SDK,
 * its Terraform and Pulumi resources) under `/client/v4/accounts/:account`, over the gateways'
 * `routes` setting (RouteAdmin), for admin keys as the gateway API is. A list answers in the
 * envelope and, beside it, where Cloudflare's SDK reads it: `data` (`route` for an update).
 */
export function cloudflareDynamicRoutes(app: Hono<AppEnv>, runtime: Runtime): void {
  const gateways = runtime.gatewayAdmin;
  const routes = new RouteAdmin(
    runtime.gateway.gateways,
    gateways,
    runtime.stores.gateways,
    runtime.stores.routes,
    runtime.catalog,
  );
  const admin: MiddlewareHandler<AppEnv> = async (c, next) => (requireAdmin(c.get('principal')), next());
  app.use(ROUTES, admin);
  app.use(`${ROUTES}/*`, admin);

  const gateway = (c: Context<AppEnv>) => c.req.param('gateway') ?? '';
  const id = (c: Context<AppEnv>) => c.req.param('id') ?? '';
  const view = (c: Context<AppEnv>, managed: ManagedRoute) => ({
    ...managed,
    account: c.req.param('account') ?? '',
  });
  const page = <T>(items: readonly T[], c: Context<AppEnv>) =>
    routePage(items, parseBody(CloudflareRoutePageQuery, c.req.query()));

  app.get(ROUTES, async (c) => {
    const all = (await routes.list(gateway(c))).sort((a, b) => b.record.createdAt - a.record.createdAt);
    const { items, ...rest } = page(all, c);
    const data = { ...rest, routes: items.map((managed) => routeObject(view(c, managed))) };
    return c.json({ ...envelope(data), data });
  });
  app.post(ROUTES, async (c) => {
    const input = parseBody(DynamicRouteInput, (await readJson(c.env)).value);
    if (input.id !== undefined)
      throw badRequest(
        'id',
        'Unrecognized request argument supplied: id (Portico makes the ids).',
        'unknown_parameter',
      );
    const managed = await routes.create(gateway(c), input.name, input.elements);
    return c.json(envelope(routeObject(view(c, managed))));
  });
  app.get(`${ROUTES}/:id`, async (c) =>
    c.json(envelope(routeObject(view(c, await routes.get(gateway(c), id(c)))))),
  );
  app.patch(`${ROUTES}/:id`, async (c) => {
    const { name } = parseBody(CloudflareRouteUpdate, (await readJson(c.env)).value);
    const route = routeObject(view(c, await routes.rename(gateway(c), id(c), name)));
    return c.json({ ...envelope(route), route });
  });
  app.delete(`${ROUTES}/:id`, async (c) => {
    const managed = await routes.delete(gateway(c), id(c));
    const { deployment: _deployment, version: _version, ...route } = routeObject(view(c, managed));
    return c.json(envelope(route));
  });

  app.post(`${ROUTES}/:id/versions`, async (c) => {
    const { elements } = parseBody(RouteGraphInput, (await readJson(c.env)).value);
    const [managed, version] = await routes.addVersion(gateway(c), id(c), elements);
    return c.json(envelope(versionObject(view(c, managed), version)));
  });
  app.get(`${ROUTES}/:id/versions`, async (c) => {
    const [managed, versions] = await routes.versions(gateway(c), id(c));
    const { items, ...rest } = page(versions, c);
    const data = { ...rest, versions: items.map((version) => versionEntry(version, managed.record)) };
    return c.json({ ...envelope(data), data });
  });
  app.get(`${ROUTES}/:id/versions/:version`, async (c) => {
    const [managed, version] = await routes.version(gateway(c), id(c), c.req.param('version') ?? '');
    return c.json(envelope(versionObject(view(c, managed), version)));
  });

  app.post(`${ROUTES}/:id/deployments`, async (c) => {
    const { version_id } = parseBody(CloudflareRouteDeploy, (await readJson(c.env)).value);
    const managed = await routes.deploy(gateway(c), id(c), version_id);
    return c.json(envelope(routeObject(view(c, managed))));
  });
  app.get(`${ROUTES}/:id/deployments`, async (c) => {
    const { items, ...rest } = page(await routes.deployments(gateway(c), id(c)), c);
    const data = { ...rest, deployments: items.map(deploymentObject) };
    return c.json({ ...envelope(data), data });
  });
}

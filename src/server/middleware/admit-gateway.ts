import type { Context, MiddlewareHandler } from 'hono';
import { badRequest } from '../../api/errors.ts';
import { GATEWAY_ID } from '../../api/gateway-settings.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';
import type { AppEnv } from '../app-env.ts';
import { requestHeader } from '../request-header.ts';

/** The gateway named in `cf-aig-gateway-id` (Cloudflare's REST API header), if any. */
export function gatewayFromHeader(c: Context<AppEnv>): string | undefined {
  const id = requestHeader(c, 'cf-aig-gateway-id')?.trim();
  if (id === undefined || id === '') return undefined;
  if (!GATEWAY_ID.safeParse(id).success)
    throw badRequest(
      'cf-aig-gateway-id',
      `Invalid header cf-aig-gateway-id: '${id.slice(0, 64)}' is not a gateway id.`,
      'invalid_header',
    );
  return id;
}

/**
 * The gateway a route's request belongs to, admitted for the principal (404 for an unknown
 * id, 401 without a key where the gateway requires one, 403 for a key scoped elsewhere).
 */
export function admitGateway(
  gateway: Gateway,
  idOf: (c: Context<AppEnv>) => string | undefined = gatewayFromHeader,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await admitInto(c, gateway, idOf(c));
    await next();
  };
}

/** Admits the principal to gateway `id` and sets the request's gateway and project. */
export async function admitInto(c: Context<AppEnv>, gateway: Gateway, id: string | undefined): Promise<void> {
  c.set('gateway', await gateway.gateways.admit(c.get('principal'), id));
  c.set('owner', c.get('principal').project);
}

import type { Layer } from './gateway-call.ts';
import type { GatewayRegistry } from './gateway-registry.ts';

/** The second layer: which gateway's settings govern the call, and whether the principal may use it. */
export function resolveGateway(gateways: GatewayRegistry): Layer {
  return async (ctx, next) => {
    if (!ctx.principal) throw new Error('resolveGateway runs after authenticate');
    ctx.gateway = await gateways.admit(ctx.principal, ctx.call.gatewayId);
    return next();
  };
}

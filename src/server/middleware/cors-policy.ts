import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { forbidden } from '../../api/errors.ts';
import type { AppEnv } from '../app-env.ts';

const LOOPBACK_PAGE = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** Headers a browser may read from an answer: the gateway's own, besides the simple ones. */
const EXPOSED = [
  'x-request-id',
  'x-portico-warnings',
  'cf-aig-log-id',
  'cf-aig-cache-status',
  'cf-aig-step',
  'retry-after',
];

/**
 * Which web pages may call Portico: by default only pages served from this machine, so a
 * site a user happens to visit cannot spend their keys through a local Portico. `origins`
 * from the config adds others (`*` for any).
 */
export function corsPolicy(origins: readonly string[] | undefined): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins ?? []);
  const allows = (origin: string) => allowed.has('*') || allowed.has(origin) || LOOPBACK_PAGE.test(origin);
  const headers = cors({
    origin: (origin) => (allows(origin) ? origin : null),
    allowHeaders: [
      'authorization',
      'content-type',
      'content-encoding',
      'openai-organization',
      'openai-project',
      'x-stainless-os',
      'x-stainless-lang',
      'x-stainless-package-version',
      'x-stainless-runtime',
      'x-stainless-runtime-version',
      'x-stainless-arch',
      'x-stainless-retry-count',
      'x-stainless-timeout',
      'cf-aig-authorization',
      'cf-aig-gateway-id',
      'cf-aig-cache-ttl',
      'cf-aig-skip-cache',
      'cf-aig-cache-key',
      'cf-aig-metadata',
      'cf-aig-collect-log',
      'cf-aig-collect-log-payload',
      'cf-aig-custom-cost',
      'cf-aig-event-id',
      'cf-aig-request-timeout',
      'cf-aig-max-attempts',
      'cf-aig-retry-delay',
      'cf-aig-backoff',
      'x-request-id',
    ],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
  return async (c, next) => {
    // A page may send a form-like POST without asking first; CORS alone would only hide the answer.
    const origin = c.req.header('origin');
    if (origin !== undefined && !allows(origin) && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      throw forbidden(
        `Requests from the web page origin '${origin.slice(0, 200)}' are not allowed: add it to cors.origins in the config.`,
        'origin_not_allowed',
      );
    }
    return headers(c, next);
  };
}

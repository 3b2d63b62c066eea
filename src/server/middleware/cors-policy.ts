import type { MiddlewareHandler } from 'hono';
import { forbidden } from '../../api/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { isWebSocketUpgrade, requestHeader } from '../request-header.ts';
import { setAnswerHeader } from '../send-answer.ts';

const LOOPBACK_PAGE = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** Headers a browser may read from an answer: the gateway's own, besides the simple ones. */
const ALLOWED_METHODS = 'GET,HEAD,POST,PUT,PATCH,DELETE';
/** How long a browser may keep a preflight's answer. */
const MAX_AGE_S = '600';

/** Request headers a page may send: the SDKs' (OpenAI's and Anthropic's), and the gateway's own. */
const ALLOWED_HEADERS = [
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
  'x-api-key',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
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
];

const EXPOSED = [
  'x-request-id',
  'x-portico-warnings',
  'cf-aig-log-id',
  'cf-aig-request-id',
  'cf-aig-cache-status',
  'cf-aig-step',
  'cf-aig-model',
  'cf-aig-provider',
  'cf-aig-dlp',
  'retry-after',
];

/**
 * Which web pages may call Portico: by default only pages served from this machine, so a
 * site a user happens to visit cannot spend their keys through a local Portico. `origins`
 * from the config adds others (`*` for any).
 */
export function corsPolicy(origins: readonly string[] | undefined): MiddlewareHandler<AppEnv> {
  const configured = new Set(origins ?? []);
  const allows = (origin: string) =>
    configured.has('*') || configured.has(origin) || LOOPBACK_PAGE.test(origin);
  const allowHeaders = ALLOWED_HEADERS.join(',');
  const exposeHeaders = EXPOSED.join(',');
  return async (c, next) => {
    const origin = requestHeader(c, 'origin');
    const allowed = origin !== undefined && allows(origin);
    // A page may send a form-like POST without asking first, and open a WebSocket (a GET) from
    // anywhere, which no browser holds to CORS: CORS alone would only hide the answer.
    if (
      origin !== undefined &&
      !allowed &&
      (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) || isWebSocketUpgrade(c))
    ) {
      throw forbidden(
        `Requests from the web page origin '${origin.slice(0, 200)}' are not allowed: add it to cors.origins in the config.`,
        'origin_not_allowed',
      );
    }
    // Set before the route answers: headers added to a finished answer would turn it into a
    // WHATWG Response with a body stream, which costs more than the answer.
    if (allowed) setAnswerHeader(c, 'access-control-allow-origin', origin);
    setAnswerHeader(c, 'access-control-expose-headers', exposeHeaders);
    setAnswerHeader(c, 'vary', 'Origin');
    if (c.req.method !== 'OPTIONS') return next();
    setAnswerHeader(c, 'access-control-max-age', MAX_AGE_S);
    setAnswerHeader(c, 'access-control-allow-methods', ALLOWED_METHODS);
    setAnswerHeader(c, 'access-control-allow-headers', allowHeaders);
    setAnswerHeader(c, 'vary', 'Access-Control-Request-Headers', true);
    return c.body(null, 204);
  };
}

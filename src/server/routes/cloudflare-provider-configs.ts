import type { Hono } from 'hono';
import { pagedEnvelope, pageItems } from '../../formats/workers-ai/cloudflare-page.ts';
import { badRequest } from '../../api/errors.ts';
import { parseBody } from '../../api/request.ts';
import { envelope } from '../../api/workers-ai-envelope.ts';
import {
  CloudflareProviderConfigCreate,
  CloudflareProviderConfigListQuery,
  cloudflareProviderConfigObject,
} from '../../formats/workers-ai/provider-config-object.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';
import { adminOnly } from './cloudflare-gateways.ts';

const PATH = '/ai-gateway/gateways/:gateway/provider_configs';

/**
 * Cloudflare's BYOK key store (`aiGateway.providerConfigs.create` and `list` of its SDK) under
 * `…/ai-gateway/gateways/:gateway/provider_configs`: the same configs and admin check as
 * `/v1/gateways/:id/provider_configs`, in Cloudflare's field names and envelope.
 */
export function cloudflareProviderConfigRoutes(app: Hono<AppEnv>, runtime: Runtime): void {
  const configs = runtime.providerConfigs;
  app.use(PATH, adminOnly);
  app.get(PATH, async (c) => {
    const query = parseBody(CloudflareProviderConfigListQuery, c.req.query());
    const all = await configs.list(c.req.param('gateway'));
    return c.json(
      pagedEnvelope(pageItems(all, query).map(cloudflareProviderConfigObject), query, all.length),
    );
  });
  app.post(PATH, async (c) => {
    const raw = (await readJson(c.env)).value;
    // A Secrets Store reference alone has nothing to store here; with the secret it is moot.
    if (typeof raw === 'object' && raw !== null && !('secret' in raw) && 'secret_id' in raw)
      throw badRequest(
        'secret_id',
        "Portico has no Secrets Store to name a secret from: send the key itself as 'secret'.",
        'unsupported_parameter',
      );
    const { secret_id: _unused, ...input } = parseBody(CloudflareProviderConfigCreate, raw);
    return c.json(
      envelope(cloudflareProviderConfigObject(await configs.create(c.req.param('gateway'), input))),
    );
  });
}

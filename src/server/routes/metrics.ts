import { Hono } from 'hono';
import { Metrics } from '../../gateway/metrics.ts';
import { requireAdmin } from '../../gateway/principal.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';

/** `GET /metrics`: Prometheus text format, for admin keys (or anyone on loopback while no key exists). */
export function metricsRoute(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/metrics', async (c) => {
    requireAdmin(c.get('principal'));
    return c.text(Metrics.render(await runtime.metricsSnapshots()), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    });
  });
  return app;
}

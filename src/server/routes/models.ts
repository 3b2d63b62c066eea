import { Hono } from 'hono';
import { notFound } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import { modelObject } from '../../catalog/model-object.ts';
import type { Runtime } from '../../runtime.ts';

export function modelsRoutes(runtime: Runtime): Hono {
  const app = new Hono();
  app.get('/models', (c) => c.json({ object: 'list', data: runtime.catalog.list().map(modelObject) }));
  // Model ids contain slashes (`openai/gpt-5.4-pro`).
  app.get('/models/:id{.+}', (c) => {
    const model = runtime.catalog.get(c.req.param('id'));
    if (!model)
      throw notFound(`The model '${clip(c.req.param('id'))}' does not exist.`, 'model_not_found', 'model');
    return c.json(modelObject(model));
  });
  return app;
}

import { Hono } from 'hono';
import { ApiError, badRequest, notFound } from '../../api/errors.ts';
import {
  ContainerFileFormFields,
  CreateContainerBody,
  CreateContainerFileBody,
} from '../../api/containers.ts';
import { clip } from '../../api/limits.ts';
import { parseBody } from '../../api/request.ts';
import type { Runtime } from '../../runtime.ts';
import { MAX_CONTAINER_FILE_BYTES } from '../../tools/code-interpreter/containers.ts';
import type { AppEnv } from '../app-env.ts';
import { listingOwner } from '../listing-owner.ts';
import { pageQuery } from '../page-query.ts';
import { formFile, readForm } from '../read-form.ts';
import { readJson } from '../read-json.ts';
import { requestHeader } from '../request-header.ts';

const FORM_OVERHEAD_BYTES = 64 * 1024;

/** The Containers API: code interpreter containers and their files, scoped to the key's project. */
export function containersRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { containers } = runtime;
  const store = runtime.stores.containers;

  /** A file of the Files API, copied into the container under its name. */
  const copyFile = async (containerId: string, fileId: string, owner: string, param: string) => {
    const found = await runtime.stores.files.content(fileId, owner);
    if (!found) throw badRequest(param, `No file found with id '${fileId}'.`);
    return containers.addFile(containerId, owner, found.file.filename, found.content, 'user');
  };

  app.post('/containers', async (c) => {
    const body = parseBody(CreateContainerBody, (await readJson(c.env)).value);
    const owner = c.get('owner');
    for (const [index, fileId] of (body.file_ids ?? []).entries())
      if (!(await runtime.stores.files.get(fileId, owner)))
        throw badRequest(`file_ids[${index}]`, `No file found with id '${fileId}'.`);
    const container = await containers.create(owner, {
      name: body.name,
      ...(body.expires_after ? { minutes: body.expires_after.minutes } : {}),
      ...(body.memory_limit ? { memoryLimit: body.memory_limit } : {}),
    });
    for (const [index, fileId] of (body.file_ids ?? []).entries())
      await copyFile(container.id, fileId, owner, `file_ids[${index}]`);
    return c.json(container);
  });

  app.get('/containers', async (c) =>
    c.json(await store.list(listingOwner(c, 'Listing containers'), pageQuery(c.req.query()))),
  );

  app.get('/containers/:id', async (c) => {
    const container = await store.get(c.req.param('id'), c.get('owner'));
    if (!container) throw containerNotFound(c.req.param('id'));
    return c.json(container);
  });

  app.delete('/containers/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await containers.delete(id, c.get('owner')))) throw containerNotFound(id);
    return c.json({ id, object: 'container.deleted', deleted: true });
  });

  app.post('/containers/:id/files', async (c) => {
    const id = c.req.param('id');
    const owner = c.get('owner');
    if (!(await containers.active(id, owner))) throw containerNotFound(id);
    const type = requestHeader(c, 'content-type') ?? '';
    if (type.startsWith('application/json')) {
      const { file_id } = parseBody(CreateContainerFileBody, (await readJson(c.env)).value);
      const file = await copyFile(id, file_id, owner, 'file_id');
      if (!file) throw containerNotFound(id);
      return c.json(file);
    }
    const form = await readForm(c.env, MAX_CONTAINER_FILE_BYTES + FORM_OVERHEAD_BYTES);
    const upload = formFile(form, 'file');
    parseBody(ContainerFileFormFields, form.fields);
    if (upload.bytes.length > MAX_CONTAINER_FILE_BYTES)
      throw new ApiError({
        status: 413,
        type: 'invalid_request_error',
        code: 'file_too_large',
        param: 'file',
        message: `The file is larger than ${MAX_CONTAINER_FILE_BYTES / 1024 / 1024} MiB.`,
      });
    const name = clip(upload.name || 'file', 255);
    const file = await containers.addFile(id, owner, name, upload.bytes, 'user');
    if (!file) throw containerNotFound(id);
    return c.json(file);
  });

  app.get('/containers/:id/files', async (c) => {
    const page = await store.listFiles(c.req.param('id'), c.get('owner'), pageQuery(c.req.query()));
    if (!page) throw containerNotFound(c.req.param('id'));
    return c.json(page);
  });

  app.get('/containers/:id/files/:file', async (c) => {
    const file = await store.getFile(c.req.param('id'), c.req.param('file'), c.get('owner'));
    if (!file) throw fileNotFound(c.req.param('file'));
    return c.json(file);
  });

  app.get('/containers/:id/files/:file/content', async (c) => {
    const content = await store.fileContent(c.req.param('id'), c.req.param('file'), c.get('owner'));
    if (!content) throw fileNotFound(c.req.param('file'));
    return c.body(new Uint8Array(content), 200, { 'content-type': 'application/octet-stream' });
  });

  app.delete('/containers/:id/files/:file', async (c) => {
    const fileId = c.req.param('file');
    if (!(await store.deleteFile(c.req.param('id'), fileId, c.get('owner')))) throw fileNotFound(fileId);
    return c.json({ id: fileId, object: 'container.file.deleted', deleted: true });
  });

  return app;
}

function containerNotFound(id: string): ApiError {
  return notFound(`No container found with id '${clip(id, 64)}'.`, 'container_not_found');
}

function fileNotFound(id: string): ApiError {
  return notFound(`No container file found with id '${clip(id, 64)}'.`, 'file_not_found');
}

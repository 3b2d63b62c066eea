import { Hono } from 'hono';
import { ApiError, badRequest, notFound } from '../../api/errors.ts';
import { BATCH_FILE_SECONDS, UploadFileFields } from '../../api/files.ts';
import { clip, LIMITS } from '../../api/limits.ts';
import { parseBody } from '../../api/request.ts';
import type { Runtime } from '../../runtime.ts';
import type { FileObject } from '../../store/file-store.ts';
import type { AppEnv } from '../app-env.ts';
import { listingOwner } from '../listing-owner.ts';
import { pageQuery } from '../page-query.ts';
import { formFile, readForm } from '../read-form.ts';

/** Room for the form's other fields and boundaries beside the file itself. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
/** Files are listed up to 10,000 at a time, as OpenAI lists them. */
const LIST_BOUNDS = { max: 10_000, default: 10_000 };

/** The Files API: uploads kept in the store, scoped to the key's project. */
export function filesRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const files = runtime.stores.files;

  app.post('/files', async (c) => {
    const form = await readForm(c.env, LIMITS.fileBytes + FORM_OVERHEAD_BYTES);
    const upload = formFile(form, 'file');
    const fields = parseBody(UploadFileFields, form.fields);
    if (upload.bytes.length > LIMITS.fileBytes)
      throw new ApiError({
        status: 413,
        type: 'invalid_request_error',
        code: 'file_too_large',
        param: 'file',
        message: `The file is larger than ${LIMITS.fileBytes / 1024 / 1024} MiB.`,
      });
    if (upload.bytes.length === 0) throw badRequest('file', 'The file is empty.', 'empty_file');
    const createdAt = Math.floor(runtime.now() / 1000);
    const lifetime =
      fields.expires_after?.seconds ?? (fields.purpose === 'batch' ? BATCH_FILE_SECONDS : undefined);
    const file: FileObject = {
      id: runtime.newId('file'),
      object: 'file',
      bytes: upload.bytes.length,
      created_at: createdAt,
      ...(lifetime !== undefined ? { expires_at: createdAt + lifetime } : {}),
      filename: clip(upload.name || 'file', 255),
      purpose: fields.purpose,
      status: 'processed',
      status_details: null,
    };
    await files.create(file, upload.bytes, c.get('owner'));
    return c.json(file);
  });

  app.get('/files', async (c) => {
    const query = c.req.query();
    const page = pageQuery(query, LIST_BOUNDS);
    return c.json(
      await files.list(listingOwner(c, 'Listing files'), {
        ...page,
        ...(query.purpose ? { purpose: query.purpose } : {}),
      }),
    );
  });

  app.get('/files/:id', async (c) => {
    const file = await files.get(c.req.param('id'), c.get('owner'));
    if (!file) throw fileNotFound(c.req.param('id'));
    return c.json(file);
  });

  app.get('/files/:id/content', async (c) => {
    const found = await files.content(c.req.param('id'), c.get('owner'));
    if (!found) throw fileNotFound(c.req.param('id'));
    return c.body(new Uint8Array(found.content), 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(found.file.filename)}`,
    });
  });

  app.delete('/files/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await files.delete(id, c.get('owner')))) throw fileNotFound(id);
    // As OpenAI does: a deleted file leaves every vector store it was in.
    await runtime.stores.vectorStores.deleteFileEverywhere(id, c.get('owner'));
    return c.json({ id, object: 'file', deleted: true });
  });

  return app;
}

export function fileNotFound(id: string) {
  return notFound(`No such File object: ${clip(id)}`, 'file_not_found', 'file_id');
}

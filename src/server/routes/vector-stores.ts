import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import { badRequest, notFound } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import { parseBody } from '../../api/request.ts';
import {
  CreateFileBatchBody,
  CreateVectorStoreBody,
  CreateVectorStoreFileBody,
  SearchVectorStoreBody,
  UpdateVectorStoreBody,
  UpdateVectorStoreFileBody,
} from '../../api/vector-stores.ts';
import { vectorStoreNotFound } from '../../retrieval/vector-store-service.ts';
import type { Runtime } from '../../runtime.ts';
import type { ListQuery } from '../../store/vector-store-store.ts';
import type { AppEnv } from '../app-env.ts';
import { listingOwner } from '../listing-owner.ts';
import { pageQuery } from '../page-query.ts';
import { readJson } from '../read-json.ts';
import { sendJsonPieces } from '../send-answer.ts';
import { nextTurn } from '../../next-turn.ts';

const FileFilter = z.enum(['in_progress', 'completed', 'failed', 'cancelled']);
/** Chunks made into JSON between two turns of the event loop when a file's content is listed. */
const JSON_SLICE = 1000;

/**
 * Processing a file runs to its end even when the client leaves: a file is never left
 * `in_progress` because a connection dropped.
 */
const UNTIL_DONE = new AbortController().signal;

/** Vector stores, their files, file batches and search, as OpenAI's API; scoped to the key's project. */
export function vectorStoresRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const store = runtime.stores.vectorStores;
  const service = runtime.vectorStores;
  const body = async <S extends z.ZodType>(schema: S, http: HttpBindings) =>
    parseBody(schema, (await readJson(http)).value);
  const seconds = () => Math.floor(runtime.now() / 1000);

  app.post('/vector_stores', async (c) => {
    const given = await body(CreateVectorStoreBody, c.env);
    const fileIds = given.file_ids ?? [];
    for (const [index, id] of fileIds.entries())
      if (!(await runtime.stores.files.get(id, c.get('owner'))))
        throw badRequest(`file_ids[${index}]`, `No file with id '${clip(id)}'.`, 'file_not_found');
    const now = seconds();
    const id = runtime.newId('vs');
    await store.create(
      {
        id,
        name: given.name ?? '',
        created_at: now,
        last_active_at: now,
        metadata: given.metadata ?? {},
        ...(given.expires_after ? { expires_after: given.expires_after } : {}),
        expires_at: given.expires_after ? now + given.expires_after.days * 86_400 : null,
      },
      c.get('owner'),
    );
    for (const [index, file_id] of fileIds.entries())
      await service.addFile(
        id,
        { file_id, chunking_strategy: given.chunking_strategy },
        c.get('owner'),
        UNTIL_DONE,
        `file_ids[${index}]`,
      );
    return c.json(await store.get(id, c.get('owner')));
  });

  app.get('/vector_stores', async (c) =>
    c.json(await store.list(listingOwner(c, 'Listing vector stores'), listQuery(c.req.query()))),
  );

  app.get('/vector_stores/:id', async (c) => {
    const found = await store.get(c.req.param('id'), c.get('owner'));
    if (!found) throw vectorStoreNotFound(c.req.param('id'));
    return c.json(found);
  });

  app.post('/vector_stores/:id', async (c) => {
    const given = await body(UpdateVectorStoreBody, c.env);
    const updated = await store.update(
      c.req.param('id'),
      {
        ...(given.name != null ? { name: given.name } : {}),
        ...(given.metadata != null ? { metadata: given.metadata } : {}),
        ...(given.expires_after !== undefined ? { expires_after: given.expires_after } : {}),
      },
      c.get('owner'),
    );
    if (!updated) throw vectorStoreNotFound(c.req.param('id'));
    return c.json(updated);
  });

  app.delete('/vector_stores/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await store.delete(id, c.get('owner')))) throw vectorStoreNotFound(id);
    return c.json({ id, object: 'vector_store.deleted', deleted: true });
  });

  app.post('/vector_stores/:id/files', async (c) => {
    const given = await body(CreateVectorStoreFileBody, c.env);
    return c.json(await service.addFile(c.req.param('id'), given, c.get('owner'), UNTIL_DONE));
  });

  app.get('/vector_stores/:id/files', async (c) => {
    const page = await store.listFiles(c.req.param('id'), c.get('owner'), fileListQuery(c.req.query()));
    if (!page) throw vectorStoreNotFound(c.req.param('id'));
    return c.json(page);
  });

  app.get('/vector_stores/:id/files/:file', async (c) => {
    const { id, file } = c.req.param();
    return c.json(await existingFile(runtime, id, file, c.get('owner')));
  });

  app.post('/vector_stores/:id/files/:file', async (c) => {
    const { id, file } = c.req.param();
    const { attributes } = await body(UpdateVectorStoreFileBody, c.env);
    const updated = await store.updateFile(id, file, attributes, c.get('owner'));
    return c.json(updated ?? (await existingFile(runtime, id, file, c.get('owner'))));
  });

  app.delete('/vector_stores/:id/files/:file', async (c) => {
    const { id, file } = c.req.param();
    if (!(await store.deleteFile(id, file, c.get('owner'))))
      await existingFile(runtime, id, file, c.get('owner'));
    return c.json({ id: file, object: 'vector_store.file.deleted', deleted: true });
  });

  app.get('/vector_stores/:id/files/:file/content', async (c) => {
    const { id, file } = c.req.param();
    const chunks = await store.fileChunks(id, file, c.get('owner'));
    if (!chunks) await existingFile(runtime, id, file, c.get('owner'));
    // Made into JSON a slice at a time: a large file's chunks are tens of megabytes of it.
    const pieces = ['{"object":"vector_store.file_content.page","data":['];
    for (let start = 0; start < (chunks?.length ?? 0); start += JSON_SLICE) {
      if (start > 0) await nextTurn();
      const slice = chunks!.slice(start, start + JSON_SLICE).map((text) => ({ type: 'text', text }));
      pieces.push(`${start > 0 ? ',' : ''}${JSON.stringify(slice).slice(1, -1)}`);
    }
    pieces.push('],"has_more":false,"next_page":null}');
    return sendJsonPieces(c, pieces, 200);
  });

  app.post('/vector_stores/:id/file_batches', async (c) => {
    const given = await body(CreateFileBatchBody, c.env);
    const shared = { attributes: given.attributes, chunking_strategy: given.chunking_strategy };
    const adds = given.files
      ? given.files.map((file) => ({ ...shared, ...withoutNull(file) }))
      : (given.file_ids ?? []).map((file_id) => ({ ...shared, file_id }));
    const params = adds.map((_, index) => (given.files ? `files[${index}].file_id` : `file_ids[${index}]`));
    return c.json(await service.addBatch(c.req.param('id'), adds, params, c.get('owner'), UNTIL_DONE));
  });

  app.get('/vector_stores/:id/file_batches/:batch', async (c) => {
    const { id, batch } = c.req.param();
    const found = await store.getBatch(id, batch, c.get('owner'));
    if (!found) throw await batchNotFound(runtime, id, batch, c.get('owner'));
    return c.json(found);
  });

  app.post('/vector_stores/:id/file_batches/:batch/cancel', async (c) => {
    const { id, batch } = c.req.param();
    const found = await store.cancelBatch(id, batch, c.get('owner'));
    if (!found) throw await batchNotFound(runtime, id, batch, c.get('owner'));
    return c.json(found);
  });

  app.get('/vector_stores/:id/file_batches/:batch/files', async (c) => {
    const { id, batch } = c.req.param();
    if (!(await store.getBatch(id, batch, c.get('owner'))))
      throw await batchNotFound(runtime, id, batch, c.get('owner'));
    const page = await store.listFiles(id, c.get('owner'), {
      ...fileListQuery(c.req.query()),
      batchId: batch,
    });
    return c.json(page);
  });

  app.post('/vector_stores/:id/search', async (c) => {
    const given = await body(SearchVectorStoreBody, c.env);
    const { searchQuery, results } = await service.search(
      [c.req.param('id')],
      {
        queries: typeof given.query === 'string' ? [given.query] : given.query,
        filters: given.filters,
        maxResults: given.max_num_results,
        ranking: given.ranking_options,
        rewriteQuery: given.rewrite_query,
      },
      c.get('owner'),
      c.req.raw.signal,
    );
    return c.json({
      object: 'vector_store.search_results.page',
      search_query: searchQuery,
      data: results.map(({ vector_store_id: _store, ...result }) => result),
      has_more: false,
      next_page: null,
    });
  });

  return app;
}

function listQuery(query: Record<string, string>): ListQuery {
  return { ...pageQuery(query), ...(query.before ? { before: query.before } : {}) };
}

function fileListQuery(query: Record<string, string>) {
  if (query.filter === undefined) return listQuery(query);
  const filter = FileFilter.safeParse(query.filter);
  if (!filter.success)
    throw badRequest('filter', `filter must be one of ${FileFilter.options.join(', ')}.`, 'invalid_value');
  return { ...listQuery(query), filter: filter.data };
}

function withoutNull<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, one]) => one !== null)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

/** The file, or a 404 saying which is missing: the store, or the file in it. */
async function existingFile(runtime: Runtime, id: string, file: string, owner: string) {
  const found = await runtime.stores.vectorStores.getFile(id, file, owner);
  if (found) return found;
  if (!(await runtime.stores.vectorStores.get(id, owner))) throw vectorStoreNotFound(id);
  throw notFound(
    `No file found with id '${clip(file)}' in vector store '${clip(id)}'.`,
    'file_not_found',
    'file_id',
  );
}

async function batchNotFound(runtime: Runtime, id: string, batch: string, owner: string) {
  if (!(await runtime.stores.vectorStores.get(id, owner))) return vectorStoreNotFound(id);
  return notFound(`No file batch found with id '${clip(batch)}'.`, 'file_batch_not_found', 'batch_id');
}

import type { z } from 'zod';
import { checkPromptTemplate } from '../api/check-prompt-template.ts';
import { notFound, type ApiError } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type {
  CreatePromptBody,
  CreatePromptVersionBody,
  PromptObject,
  UpdatePromptBody,
} from '../api/prompts.ts';
import type { Owner } from './owner.ts';
import { promptObject, type PromptList } from './prompt-object.ts';
import type { PromptAtVersion, PromptPageQuery, PromptStore } from './prompt-store.ts';

function promptNotFound(id: string, param = 'id'): ApiError {
  return notFound(`No prompt found with id '${clip(id)}'.`, 'prompt_not_found', param);
}

/**
 * The prompt at `version` (default its latest), or a 404 naming what is unknown: the version
 * (`params.version`) of a prompt that exists, else the prompt (`params.id`).
 */
export async function promptAt(
  store: PromptStore,
  id: string,
  owner: Owner,
  version: number | undefined,
  params = { id: 'id', version: 'version' },
): Promise<PromptAtVersion> {
  const found = await store.get(id, owner, version);
  if (found) return found;
  if (version !== undefined && (await store.get(id, owner)))
    throw notFound(`The prompt '${clip(id)}' has no version ${version}.`, 'prompt_not_found', params.version);
  throw promptNotFound(id, params.id);
}

/**
 * Reusable prompts as the API shows them: one code path for `/v1/prompts` and `portico
 * prompts`. Bodies come parsed; what their schema cannot check (a template's size, defaults
 * of variables no text uses) is checked here. Every call is scoped to `owner`: another
 * owner's prompt is a 404, the same as one that never existed.
 */
export class PromptAdmin {
  constructor(
    private readonly store: PromptStore,
    private readonly newId: (prefix: string) => string,
    private readonly now: () => number,
  ) {}

  async create(body: z.output<typeof CreatePromptBody>, owner: Owner): Promise<PromptObject> {
    checkPromptTemplate(body.template);
    const createdAt = this.now();
    const prompt = await this.store.create(
      {
        id: this.newId('pmpt'),
        name: body.name ?? null,
        description: body.description ?? null,
        metadata: body.metadata ?? {},
        createdAt,
      },
      body.template,
      owner,
    );
    return promptObject({
      prompt,
      version: { promptId: prompt.id, version: 1, template: body.template, createdAt },
    });
  }

  async addVersion(
    id: string,
    body: z.output<typeof CreatePromptVersionBody>,
    owner: Owner,
  ): Promise<PromptObject> {
    checkPromptTemplate(body.template);
    const added = await this.store.addVersion(id, body.template, this.now(), owner);
    if (!added) throw promptNotFound(id);
    return promptObject(added);
  }

  /** The prompt at `version`, default its latest. */
  async get(id: string, owner: Owner, version?: number): Promise<PromptObject> {
    return promptObject(await promptAt(this.store, id, owner, version));
  }

  /** Changes the name, description or metadata (null clears each); answers the prompt at its latest version. */
  async update(id: string, body: z.output<typeof UpdatePromptBody>, owner: Owner): Promise<PromptObject> {
    const changed = await this.store.update(id, owner, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata ?? {} } : {}),
    });
    if (!changed) throw promptNotFound(id);
    return this.get(id, owner);
  }

  /** Prompts, each at its latest version. */
  async list(owner: Owner, page: PromptPageQuery): Promise<PromptList> {
    const found = await this.store.list(owner, page);
    return toList(found.data.map(promptObject), found.has_more, (prompt) => prompt.id);
  }

  /** The prompt at each of its versions; `after` is a version number. */
  async listVersions(id: string, owner: Owner, page: PromptPageQuery): Promise<PromptList> {
    const found = await this.store.listVersions(id, owner, page);
    if (!found) throw promptNotFound(id);
    const data = found.data.map((version) => promptObject({ prompt: found.prompt, version }));
    return toList(data, found.has_more, (prompt) => prompt.version);
  }

  async delete(id: string, owner: Owner): Promise<{ id: string; object: 'prompt.deleted'; deleted: true }> {
    if (!(await this.store.delete(id, owner))) throw promptNotFound(id);
    return { id, object: 'prompt.deleted', deleted: true };
  }
}

function toList(
  data: PromptObject[],
  hasMore: boolean,
  cursor: (prompt: PromptObject) => string,
): PromptList {
  const [first, last] = [data[0], data.at(-1)];
  return {
    object: 'list',
    data,
    first_id: first ? cursor(first) : null,
    last_id: last ? cursor(last) : null,
    has_more: hasMore,
  };
}

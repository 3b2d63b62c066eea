import type { Database, Statement } from 'better-sqlite3';
import { SQLITE_CONTAINER_MIGRATIONS } from './container-migrations.ts';
import {
  CONTAINER_SQL,
  containerValues,
  fileValues,
  pageSql,
  unknownCursor,
  toContainer,
  toContainerFile,
  type ContainerFileRow,
  type ContainerRow,
} from './container-sql.ts';
import {
  toContainerPage,
  type ContainerFileObject,
  type ContainerObject,
  type ContainerPage,
  type ContainerPageQuery,
  type ContainerStore,
} from './container-store.ts';
import type { Owner } from './owner.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';

/**
 * The embedded ContainerStore, on the handle shared with the other stores; its writes go
 * through the group commit (`commits`), synced off the event loop.
 */
export class SqliteContainerStore implements ContainerStore {
  /** CONTAINER_SQL, prepared once (after the migrations made its tables). */
  readonly #sql: Record<keyof typeof CONTAINER_SQL, Statement>;

  constructor(
    private readonly db: Database,
    private readonly commits: SqliteGroupCommit,
  ) {
    migrate(db, 'containers', SQLITE_CONTAINER_MIGRATIONS);
    this.#sql = Object.fromEntries(
      Object.entries(CONTAINER_SQL).map(([name, text]) => [name, db.prepare(text)]),
    ) as Record<keyof typeof CONTAINER_SQL, Statement>;
  }

  async create(container: ContainerObject, owner: Owner): Promise<void> {
    await this.commits.write(() => this.#sql.insert.run(...containerValues(container, owner)));
  }

  async get(id: string, owner: Owner): Promise<ContainerObject | undefined> {
    const row = this.#sql.select.get(id, owner) as ContainerRow | undefined;
    return row && toContainer(row);
  }

  async list(owner: Owner, page: ContainerPageQuery): Promise<ContainerPage<ContainerObject>> {
    const rows = this.page('containers', [owner], page) as ContainerRow[];
    return toContainerPage(rows.map(toContainer), page.limit);
  }

  async touch(id: string, owner: Owner, at: number): Promise<boolean> {
    return this.commits.write(() => this.#sql.touch.run(at, id, owner).changes > 0);
  }

  async expire(now: number): Promise<string[]> {
    return this.commits.write(() => {
      const ids = (this.#sql.expire.all(now) as Array<{ id: string }>).map((row) => row.id);
      if (ids.length > 0) this.#sql.dropExpiredFiles.run();
      return ids;
    });
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return this.commits.write(() => this.#sql.delete.run(id, owner).changes > 0);
  }

  async putFile(file: ContainerFileObject, content: Buffer, owner: Owner): Promise<boolean> {
    return this.commits.write(
      () => this.#sql.upsertFile.run(...fileValues(file, content, owner)).changes > 0,
    );
  }

  async getFile(containerId: string, fileId: string, owner: Owner): Promise<ContainerFileObject | undefined> {
    const row = this.#sql.selectFile.get(containerId, fileId, owner) as ContainerFileRow | undefined;
    return row && toContainerFile(row);
  }

  async fileContent(containerId: string, fileId: string, owner: Owner): Promise<Buffer | undefined> {
    const row = this.#sql.fileContent.get(containerId, fileId, owner) as { content: Buffer } | undefined;
    return row?.content;
  }

  async listFiles(
    containerId: string,
    owner: Owner,
    page: ContainerPageQuery,
  ): Promise<ContainerPage<ContainerFileObject> | undefined> {
    if (!(await this.get(containerId, owner))) return undefined;
    const rows = this.page('container_files', [containerId, owner], page) as ContainerFileRow[];
    return toContainerPage(rows.map(toContainerFile), page.limit);
  }

  async deleteFile(containerId: string, fileId: string, owner: Owner): Promise<boolean> {
    return this.commits.write(() => this.#sql.deleteFile.run(containerId, fileId, owner).changes > 0);
  }

  async allFiles(containerId: string, owner: Owner): Promise<ContainerFileObject[]> {
    return (this.#sql.allFiles.all(containerId, owner) as ContainerFileRow[]).map(toContainerFile);
  }

  private page(
    table: 'containers' | 'container_files',
    scope: unknown[],
    page: ContainerPageQuery,
  ): unknown[] {
    const { text, cursor } = pageSql(table, page);
    if (page.after && !this.db.prepare(cursor).get(page.after, ...scope))
      throw unknownCursor(table, page.after);
    return this.db.prepare(text).all(...scope, ...(page.after ? [page.after, ...scope] : []), page.limit + 1);
  }
}

import type { Database } from 'better-sqlite3';
import { SQLITE_CONTAINER_MIGRATIONS } from './container-migrations.ts';
import {
  CONTAINER_SQL,
  containerValues,
  fileValues,
  pageSql,
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
import { migrate } from './sqlite-migrations.ts';

/** The embedded ContainerStore, on the handle shared with the other stores. */
export class SqliteContainerStore implements ContainerStore {
  constructor(private readonly db: Database) {
    migrate(db, 'containers', SQLITE_CONTAINER_MIGRATIONS);
  }

  async create(container: ContainerObject, owner: Owner): Promise<void> {
    this.db.prepare(CONTAINER_SQL.insert).run(...containerValues(container, owner));
  }

  async get(id: string, owner: Owner): Promise<ContainerObject | undefined> {
    const row = this.db.prepare(CONTAINER_SQL.select).get(id, owner) as ContainerRow | undefined;
    return row && toContainer(row);
  }

  async list(owner: Owner, page: ContainerPageQuery): Promise<ContainerPage<ContainerObject>> {
    const rows = this.page('containers', [owner], page) as ContainerRow[];
    return toContainerPage(rows.map(toContainer), page.limit);
  }

  async touch(id: string, owner: Owner, at: number): Promise<boolean> {
    return this.db.prepare(CONTAINER_SQL.touch).run(at, id, owner).changes > 0;
  }

  async expire(now: number): Promise<string[]> {
    return this.db
      .transaction(() => {
        const ids = (this.db.prepare(CONTAINER_SQL.expire).all(now) as Array<{ id: string }>).map(
          (row) => row.id,
        );
        if (ids.length > 0) this.db.prepare(CONTAINER_SQL.dropExpiredFiles).run();
        return ids;
      })
      .immediate();
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return this.db.prepare(CONTAINER_SQL.delete).run(id, owner).changes > 0;
  }

  async putFile(file: ContainerFileObject, content: Buffer, owner: Owner): Promise<boolean> {
    return this.db.prepare(CONTAINER_SQL.upsertFile).run(...fileValues(file, content, owner)).changes > 0;
  }

  async getFile(containerId: string, fileId: string, owner: Owner): Promise<ContainerFileObject | undefined> {
    const row = this.db.prepare(CONTAINER_SQL.selectFile).get(containerId, fileId, owner) as
      ContainerFileRow | undefined;
    return row && toContainerFile(row);
  }

  async fileContent(containerId: string, fileId: string, owner: Owner): Promise<Buffer | undefined> {
    const row = this.db.prepare(CONTAINER_SQL.fileContent).get(containerId, fileId, owner) as
      { content: Buffer } | undefined;
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
    return this.db.prepare(CONTAINER_SQL.deleteFile).run(containerId, fileId, owner).changes > 0;
  }

  async allFiles(
    containerId: string,
    owner: Owner,
  ): Promise<Array<{ file: ContainerFileObject; content: Buffer }>> {
    const rows = this.db.prepare(CONTAINER_SQL.allFiles).all(containerId, owner) as Array<
      ContainerFileRow & { content: Buffer }
    >;
    return rows.map((row) => ({ file: toContainerFile(row), content: row.content }));
  }

  private page(
    table: 'containers' | 'container_files',
    scope: unknown[],
    page: ContainerPageQuery,
  ): unknown[] {
    const { text } = pageSql(table, page);
    return this.db.prepare(text).all(...scope, ...(page.after ? [page.after] : []), page.limit + 1);
  }
}

import type { QueryResultRow } from 'pg';
import {
  CONTAINER_SQL,
  containerValues,
  fileValues,
  pageSql,
  unknownCursor,
  postgresParams,
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
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';

/** Statements whose effect is told by the rows they return (the pool answers rows, not counts). */
const COUNTED = new Set(['touch', 'delete', 'upsertFile', 'deleteFile']);
const Q = Object.fromEntries(
  Object.entries(CONTAINER_SQL).map(([name, text]) => [
    name,
    sql(postgresParams(COUNTED.has(name) ? `${text} RETURNING id` : text)),
  ]),
) as Record<keyof typeof CONTAINER_SQL, ReturnType<typeof sql>>;

/** The ContainerStore on PostgreSQL, on the pool shared with the other stores. */
export class PostgresContainerStore implements ContainerStore {
  constructor(private readonly db: PostgresDatabase) {}

  async create(container: ContainerObject, owner: Owner): Promise<void> {
    await this.db.query(Q.insert, containerValues(container, owner));
  }

  async get(id: string, owner: Owner): Promise<ContainerObject | undefined> {
    const [row] = await this.db.query<ContainerRow>(Q.select, [id, owner]);
    return row && toContainer(row);
  }

  async list(owner: Owner, page: ContainerPageQuery): Promise<ContainerPage<ContainerObject>> {
    const rows = await this.page<ContainerRow>('containers', [owner], page);
    return toContainerPage(rows.map(toContainer), page.limit);
  }

  async touch(id: string, owner: Owner, at: number): Promise<boolean> {
    return (await this.db.query(Q.touch, [at, id, owner])).length > 0;
  }

  async expire(now: number): Promise<string[]> {
    return this.db.transaction(async (client) => {
      const rows = await this.db.query<{ id: string }>(Q.expire, [now], client);
      if (rows.length > 0) await this.db.query(Q.dropExpiredFiles, [], client);
      return rows.map((row) => row.id);
    });
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return (await this.db.query(Q.delete, [id, owner])).length > 0;
  }

  async putFile(file: ContainerFileObject, content: Buffer, owner: Owner): Promise<boolean> {
    return (await this.db.query(Q.upsertFile, fileValues(file, content, owner))).length > 0;
  }

  async getFile(containerId: string, fileId: string, owner: Owner): Promise<ContainerFileObject | undefined> {
    const [row] = await this.db.query<ContainerFileRow>(Q.selectFile, [containerId, fileId, owner]);
    return row && toContainerFile(row);
  }

  async fileContent(containerId: string, fileId: string, owner: Owner): Promise<Buffer | undefined> {
    const [row] = await this.db.query<{ content: Buffer }>(Q.fileContent, [containerId, fileId, owner]);
    return row?.content;
  }

  async listFiles(
    containerId: string,
    owner: Owner,
    page: ContainerPageQuery,
  ): Promise<ContainerPage<ContainerFileObject> | undefined> {
    if (!(await this.get(containerId, owner))) return undefined;
    const rows = await this.page<ContainerFileRow>('container_files', [containerId, owner], page);
    return toContainerPage(rows.map(toContainerFile), page.limit);
  }

  async deleteFile(containerId: string, fileId: string, owner: Owner): Promise<boolean> {
    return (await this.db.query(Q.deleteFile, [containerId, fileId, owner])).length > 0;
  }

  async allFiles(containerId: string, owner: Owner): Promise<ContainerFileObject[]> {
    return (await this.db.query<ContainerFileRow>(Q.allFiles, [containerId, owner])).map(toContainerFile);
  }

  private async page<T extends QueryResultRow>(
    table: 'containers' | 'container_files',
    scope: unknown[],
    page: ContainerPageQuery,
  ): Promise<T[]> {
    const { text, cursor } = pageSql(table, page);
    if (page.after && (await this.db.query(sql(postgresParams(cursor)), [page.after, ...scope])).length === 0)
      throw unknownCursor(table, page.after);
    return this.db.query<T>(sql(postgresParams(text)), [
      ...scope,
      ...(page.after ? [page.after, ...scope] : []),
      page.limit + 1,
    ]);
  }
}

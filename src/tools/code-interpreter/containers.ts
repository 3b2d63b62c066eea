import { posix } from 'node:path';
import type { ToolsConfig } from '../../config/tools-config.ts';
import type { IdGenerator } from '../../engine/ids.ts';
import type { Logger } from '../../logger.ts';
import type { ContainerFileObject, ContainerObject, ContainerStore } from '../../store/container-store.ts';
import type { Owner } from '../../store/owner.ts';
import type { FileVersion, Interpreters } from './interpreters.ts';
import type { RunResult } from './python-process.ts';

/** Where container files are mounted in the sandbox. */
export const MOUNT = '/mnt/data';
/** Bytes one container file may hold. */
export const MAX_CONTAINER_FILE_BYTES = 32 * 1024 * 1024;
/** How often expired containers are looked for. */
const SWEEP_MS = 60_000;

export interface ContainerOptions {
  name: string;
  /** Minutes of inactivity before it expires; default the config's. */
  minutes?: number;
  memoryLimit?: string;
}

/** A run's result with the files it wrote, stored in the container. */
export interface ContainerRun extends RunResult {
  written: ContainerFileObject[];
}

/**
 * Code interpreter containers: their records and files in the store, and the sandboxed Python
 * interpreter of each container in use (interpreters.ts: started on its first run, ended when
 * it expires or is deleted). Shared by the `/v1/containers` routes and the code_interpreter tool.
 */
export class Containers {
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly store: ContainerStore,
    private readonly interpreters: Interpreters,
    private readonly config: ToolsConfig['codeInterpreter'],
    private readonly newId: IdGenerator,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  async create(owner: Owner, options: ContainerOptions): Promise<ContainerObject> {
    const at = this.seconds();
    const container: ContainerObject = {
      id: this.newId('cntr'),
      object: 'container',
      name: options.name,
      created_at: at,
      last_active_at: at,
      status: 'running',
      expires_after: { anchor: 'last_active_at', minutes: options.minutes ?? this.config.idleMinutes },
      memory_limit: options.memoryLimit ?? `${this.config.memoryMb}m`,
    };
    await this.store.create(container, owner);
    return container;
  }

  /** A running container of the owner, or undefined (unknown, another owner's, or expired). */
  async active(id: string, owner: Owner): Promise<ContainerObject | undefined> {
    const container = await this.store.get(id, owner);
    return container?.status === 'running' ? container : undefined;
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    const deleted = await this.store.delete(id, owner);
    if (deleted) this.interpreters.stop(id);
    return deleted;
  }

  /** Stores a file at `/mnt/data/<name>`; undefined when the container is not running. */
  async addFile(
    containerId: string,
    owner: Owner,
    name: string,
    content: Buffer,
    source: 'user' | 'assistant',
  ): Promise<ContainerFileObject | undefined> {
    const file: ContainerFileObject = {
      id: this.newId('cfile'),
      object: 'container.file',
      container_id: containerId,
      path: posix.join(MOUNT, posix.normalize(`/${name}`)),
      bytes: content.byteLength,
      created_at: this.seconds(),
      source,
    };
    return (await this.store.putFile(file, content, owner)) ? file : undefined;
  }

  /** Runs code in the container's interpreter, its files mounted; stores the files it wrote. */
  async run(containerId: string, owner: Owner, code: string, signal: AbortSignal): Promise<ContainerRun> {
    if (!(await this.store.touch(containerId, owner, this.seconds())))
      throw new Error(`The container ${containerId} has expired or does not exist.`);
    let ran: ContainerRun | undefined;
    await this.interpreters.run(
      {
        container: containerId,
        code,
        // Only the files the interpreter lacks are read: a container's files stay in it between runs.
        fresh: async (held) => {
          const lacking = (await this.store.allFiles(containerId, owner)).filter(
            (file) => held.get(inSandbox(file.path)) !== file.id,
          );
          const read = await Promise.all(
            lacking.map(async (file) => {
              const data = await this.store.fileContent(containerId, file.id, owner);
              // Deleted since it was listed: not mounted.
              return data && { path: inSandbox(file.path), id: file.id, data };
            }),
          );
          return read.filter((file) => file !== undefined);
        },
        keep: async (result) => {
          const written: ContainerFileObject[] = [];
          for (const file of result.files) {
            if (file.data.byteLength > MAX_CONTAINER_FILE_BYTES) continue;
            const saved = await this.addFile(containerId, owner, file.path, file.data, 'assistant');
            if (saved) written.push(saved);
          }
          ran = { ...result, written };
          return written.map((file): FileVersion => ({ path: inSandbox(file.path), id: file.id }));
        },
      },
      signal,
    );
    return ran!;
  }

  /** Expires idle containers and ends their processes. */
  async sweep(): Promise<void> {
    try {
      for (const id of await this.store.expire(this.seconds())) this.interpreters.stop(id);
    } catch (error) {
      this.logger.warn('container expiry failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.interpreters.close();
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

/** A container file's path in the sandbox's /mnt/data. */
function inSandbox(path: string): string {
  return path.slice(MOUNT.length + 1);
}

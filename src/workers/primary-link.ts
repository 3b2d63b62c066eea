import type { ToPrimary, ToWorker } from './worker-messages.ts';

/** The worker's end of the IPC channel to the cluster's primary. */
export interface WorkerPort {
  send(message: ToPrimary): void;
  on(event: 'message', listener: (message: ToWorker) => void): void;
}

type Request = ToPrimary extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/** Requests to the primary, each with an id its answers carry back. */
export class PrimaryLink {
  #next = 1;
  readonly #listeners = new Map<number, (message: ToWorker) => void>();

  constructor(private readonly port: WorkerPort) {
    port.on('message', (message) => this.#listeners.get(message.id)?.(message));
  }

  /** Sends `request`; `listener` gets every answer to it until `forget` is called. */
  open(request: Request, listener: (message: ToWorker) => void): number {
    const id = this.#next++;
    this.#listeners.set(id, listener);
    this.port.send({ ...request, id } as ToPrimary);
    return id;
  }

  forget(id: number): void {
    this.#listeners.delete(id);
  }

  send(message: ToPrimary): void {
    this.port.send(message);
  }
}

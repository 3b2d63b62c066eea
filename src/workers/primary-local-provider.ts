import { localUnsupported } from '../providers/local/local-unsupported.ts';
import type { ModelEvent, Provider, Turn, Unsupported } from '../providers/provider.ts';
import { fromWireError, fromWireEvent, type ToWorker } from './worker-messages.ts';
import type { PrimaryLink } from './primary-link.ts';

/**
 * A worker's local models: generation runs in the primary, which loads each model file once
 * for every worker, and its events come back over IPC as they are made.
 */
export class PrimaryLocalProvider implements Provider {
  constructor(private readonly link: PrimaryLink) {}

  unsupported(turn: Turn): Unsupported[] {
    return localUnsupported(turn);
  }

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    signal.throwIfAborted();
    const queue: ToWorker[] = [];
    let wake: (() => void) | undefined;
    const id = this.link.open({ kind: 'generate', turn }, (message) => {
      queue.push(message);
      wake?.();
    });
    const onAbort = () => this.link.send({ kind: 'abort', id });
    signal.addEventListener('abort', onAbort, { once: true });
    let ended = false;
    try {
      for (;;) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        for (const message of queue.splice(0)) {
          if (message.kind === 'event') yield fromWireEvent(message.event);
          else if (message.kind === 'failed') {
            ended = true;
            throw signal.aborted ? signal.reason : fromWireError(message.error);
          } else if (message.kind === 'done') {
            ended = true;
            return;
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // The consumer stopped early: the primary stops generating too.
      if (!ended) this.link.send({ kind: 'abort', id });
      this.link.forget(id);
    }
  }

  countInputTokens(turn: Turn, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const id = this.link.open({ kind: 'count', turn }, (message) => {
        this.link.forget(id);
        if (message.kind === 'done') resolve(message.tokens ?? 0);
        else if (message.kind === 'failed') reject(fromWireError(message.error));
      });
    });
  }
}

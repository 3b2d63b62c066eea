import { localUnsupported } from '../providers/local/local-unsupported.ts';
import type {
  EmbeddingRequest,
  EmbeddingResult,
  ModelEvent,
  Provider,
  Turn,
  Unsupported,
} from '../providers/provider.ts';
import { fromWireError, fromWireEvent, type ToWorker } from './worker-messages.ts';
import type { PrimaryLink } from './primary-link.ts';

/**
 * A worker's local models: generation, token counts and embeddings run in the primary, which
 * loads each model file once for every worker; a generation's events come back over IPC as
 * they are made.
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

  async countInputTokens(turn: Turn, signal: AbortSignal): Promise<number> {
    return (await this.link.ask({ kind: 'count', turn }, 'done', signal)).tokens ?? 0;
  }

  async embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    return (await this.link.ask({ kind: 'embed', request }, 'embedded', signal)).result;
  }
}

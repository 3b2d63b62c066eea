import type { KeyedLocks } from '../engine/keyed-lock.ts';
import type { PrimaryLink } from './primary-link.ts';
import { fromWireError } from './worker-messages.ts';

/**
 * A worker's conversation locks: the primary's one set, so that responses on one conversation
 * take turns whichever worker runs them. A worker that exits lets go of what it held.
 */
export class PrimaryConversationLocks implements KeyedLocks {
  constructor(private readonly link: PrimaryLink) {}

  acquire(key: string): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const id = this.link.open({ kind: 'lock', key }, (message) => {
        this.link.forget(id);
        if (message.kind === 'failed') return reject(fromWireError(message.error));
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.link.send({ kind: 'unlock', id });
        });
      });
    });
  }
}

import type { KeyedLocks } from '../engine/keyed-lock.ts';
import type { PrimaryLink } from './primary-link.ts';

/**
 * A worker's conversation locks: the primary's one set, so that responses on one conversation
 * take turns whichever worker runs them. A worker that exits lets go of what it held.
 */
export class PrimaryConversationLocks implements KeyedLocks {
  constructor(private readonly link: PrimaryLink) {}

  async acquire(key: string): Promise<() => void> {
    // The lock is the request's: its id lets it go.
    const { id } = await this.link.ask({ kind: 'lock', key }, 'done');
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.link.send({ kind: 'unlock', id });
    };
  }
}

import type { BackgroundStore } from './background-store.ts';
import type { ConversationStore } from './conversation-store.ts';
import type { ResponseStore } from './response-store.ts';

/** Every store Portico keeps, on one backend (one SQLite file, or one PostgreSQL database). */
export interface Stores {
  responses: ResponseStore;
  conversations: ConversationStore;
  background: BackgroundStore;
  /** Closes the backend's connections; the stores are unusable afterwards. */
  close(): Promise<void>;
}

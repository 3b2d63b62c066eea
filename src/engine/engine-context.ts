import type { Item } from '../api/items.ts';
import type { Catalog, StoredKeyProvider } from '../catalog/catalog.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { Logger } from '../logger.ts';
import type { Provider } from '../providers/provider.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { Owner, ResponseStore } from '../store/response-store.ts';
import type { HostedToolsFactory } from './hosted-tool-runner.ts';
import type { HostedToolsPolicy } from './hosted-tools.ts';
import type { WorkTracker } from '../work-tracker.ts';
import type { IdGenerator } from './ids.ts';
import type { KeyedLocks } from './keyed-lock.ts';
import type { FileReader } from './resolve-file-parts.ts';

/** What the engine needs for one owner's requests: built by the runtime, never by a route. */
export interface EngineContext {
  catalog: Catalog;
  store: ResponseStore;
  /** Conversations, for requests that name one; without it `conversation` is a 400. */
  conversations?: ConversationStore;
  /** Serializes responses on one conversation; shared by every request of the process (of the machine, with `--workers N`). */
  conversationLocks?: KeyedLocks;
  /** Portico's files, read for the parts that name one by `file_id`; without them no file id names a file. */
  files?: FileReader;
  newId: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
  owner: Owner;
  /** Where warnings (what a request lost to its model) and strict-output failures are logged. */
  logger?: Logger;
  /** The global `drop_unsupported` setting; a model's own setting wins. */
  dropUnsupported?: boolean;
  /**
   * Wraps the provider of a resolved model (the gateway's cache records and replays model
   * events through it). Applied in one place, resolve-model.ts, for every provider call:
   * generation, token counting and compaction. A wrapper keeps the optional methods it does
   * not change (`countInputTokens`, `compact`, `unsupported`).
   */
  wrapProvider?(provider: Provider, model: CatalogModel): Provider;
  /**
   * The provider to use for `model` instead of the catalog's (one built with a provider key
   * stored for the gateway); undefined: the catalog's. Consulted before the catalog refuses a
   * model whose provider has no key of its own.
   */
  storedKeyProvider?: StoredKeyProvider;
  /**
   * The context behind a `previous_response_id` that the store may not hold (WebSocket mode's
   * connection-local cache of `store: false` responses): consulted before the store; undefined
   * falls through to the store.
   */
  previousItems?(id: string): Promise<Item[] | undefined>;
  /** The built-in tools Portico runs for a turn, if any (see hosted-tool-runner.ts). */
  hostedTools?: HostedToolsFactory;
  /** How long a response may generate when its model sets no limit of its own; undefined: no limit. */
  maxGenerationMs?: number;
  /** Hosted tools neither Portico nor the model's provider runs: dropped with a warning (the default) or refused. */
  hostedToolsPolicy?: HostedToolsPolicy;
  /** Counts this process's running generations for a graceful shutdown, and stops them when it is over. */
  work?: WorkTracker;
}

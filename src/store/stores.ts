import type { CacheStore } from './cache-store.ts';
import type { GatewayStore } from './gateway-store.ts';
import type { RouteHistoryStore } from './route-history-store.ts';
import type { InstanceStore } from './instance-store.ts';
import type { KeyStore } from './key-store.ts';
import type { LogStore } from './log-store.ts';
import type { BackgroundStore } from './background-store.ts';
import type { BatchStore } from './batch-store.ts';
import type { ContainerStore } from './container-store.ts';
import type { ConversationStore } from './conversation-store.ts';
import type { FileStore } from './file-store.ts';
import type { VectorStoreStore } from './vector-store-store.ts';
import type { ProviderConfigStore } from './provider-config-store.ts';
import type { PromptStore } from './prompt-store.ts';
import type { ResponseStore } from './response-store.ts';

/** Every store Portico keeps, on one backend (one SQLite file, or one PostgreSQL database). */
export interface Stores {
  /** This process's instance id: the responses and vector-store files it begins carry it, and its lease is renewed under it. */
  instance: string;
  instances: InstanceStore;
  responses: ResponseStore;
  keys: KeyStore;
  gateways: GatewayStore;
  /** Dynamic routes' versions and deployments, written with the gateways' settings. */
  routes: RouteHistoryStore;
  /** Provider keys stored per gateway (BYOK), their secrets sealed. */
  providerConfigs: ProviderConfigStore;
  logs: LogStore;
  cache: CacheStore;
  conversations: ConversationStore;
  background: BackgroundStore;
  /** Workers AI batches (`queueRequest`): which background responses each one ran. */
  batches: BatchStore;
  /** Code interpreter containers and their files. */
  containers: ContainerStore;
  files: FileStore;
  vectorStores: VectorStoreStore;
  /** Reusable prompts and their versions (`/v1/prompts`, a request's `prompt`). */
  prompts: PromptStore;
  /** Closes the backend's connections; the stores are unusable afterwards. */
  close(): Promise<void>;
}

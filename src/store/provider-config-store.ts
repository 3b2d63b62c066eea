/** The embedded backend's generated secrets key, beside its database (mode 0600). */
export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * A provider key stored for one gateway (Cloudflare's BYOK `provider_configs`). The secret is
 * kept sealed (gateway/secret-box.ts): the store never sees it in the clear.
 */
export interface ProviderConfigRecord {
  id: string;
  gateway: string;
  /** The catalog's provider id (`openai`, `anthropic`, `groq`, ...). */
  provider: string;
  /** What `cf-aig-byok-alias` names; unique per gateway and provider. */
  alias: string;
  /** Whether requests without an alias use it; at most one per gateway and provider. */
  isDefault: boolean;
  /** The secret, sealed with AES-256-GCM. */
  sealedSecret: string;
  /** Its first and last few characters, for people to tell keys apart. */
  secretPreview: string;
  /** Requests that may use this key per `rateLimitPeriodS` seconds; null: no limit. */
  rateLimit: number | null;
  rateLimitPeriodS: number | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  modifiedAt: number;
}

/** Provider keys per gateway. Server-wide, admin only. */
export interface ProviderConfigStore {
  /**
   * Where the embedded backend keeps its generated secrets key (a file beside the database);
   * undefined on a backend shared by several replicas, which must be given the key.
   */
  readonly secretsKeyFile: string | undefined;
  list(gateway: string): Promise<ProviderConfigRecord[]>;
  /**
   * Creates or replaces `record`; when it is the default, the other configs of its gateway and
   * provider stop being so, in the same transaction. False when another config of the gateway
   * and provider already has its alias.
   */
  put(record: ProviderConfigRecord): Promise<boolean>;
  delete(gateway: string, id: string): Promise<boolean>;
  /** Every config of a gateway that is deleted: its keys go with it. */
  deleteGateway(gateway: string): Promise<void>;
}

import type { RateLimit, SpendLimit } from '../api/gateway-settings.ts';
import type { KeyScopes } from '../api/keys.ts';
import type { Owner } from './owner.ts';

/** A virtual API key as stored: never the key itself, only its SHA-256. */
export interface KeyRecord {
  id: string;
  project: Owner;
  name: string;
  /** The key's first and last characters, to recognise it in a list (`ptk_AbCd…wXyZ`). */
  hint: string;
  scopes: KeyScopes;
  /** Milliseconds since the epoch; null: never expires. */
  expiresAt: number | null;
  budget: SpendLimit | null;
  rateLimit: RateLimit | null;
  defaultGateway: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export type KeyPatch = Partial<
  Pick<KeyRecord, 'name' | 'scopes' | 'expiresAt' | 'budget' | 'rateLimit' | 'defaultGateway'>
>;

/** Keys, found by the hash of what a client presents. Keys are server-wide: only admins list them. */
export interface KeyStore {
  insert(record: KeyRecord, hash: string): Promise<void>;
  /** The key whose SHA-256 is `hash`, revoked or not (the caller decides what a revoked key gets). */
  findByHash(hash: string): Promise<KeyRecord | undefined>;
  get(id: string): Promise<KeyRecord | undefined>;
  /** Newest first. */
  list(filter: { project?: Owner; includeRevoked?: boolean }): Promise<KeyRecord[]>;
  update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined>;
  /** False when the key is unknown or was already revoked. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Whether any key is not revoked: without one, Portico serves without auth (on loopback only). */
  anyActive(): Promise<boolean>;
  /** Whether an unrevoked, unexpired admin key exists (required to listen beyond loopback). */
  anyAdmin(now: number): Promise<boolean>;
}

import { badRequest, notFound } from '../api/errors.ts';
import type { CreateKeyRequest, UpdateKeyRequest } from '../api/keys.ts';
import type { IdGenerator } from '../engine/ids.ts';
import type { KeyRecord, KeyStore } from '../store/key-store.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import { hashApiKey, keyHint, newApiKey } from './api-keys.ts';
import type { GatewayRegistry } from './gateway-registry.ts';
import { keyFields } from './key-objects.ts';

/** Creating, changing and revoking keys: one code path for the admin API, the binding and `portico keys`. */
export class KeyAdmin {
  constructor(
    private readonly keys: KeyStore,
    private readonly gateways: Pick<GatewayRegistry, 'get'>,
    private readonly newId: IdGenerator,
    private readonly now: () => number,
  ) {}

  /** A key whose default gateway does not exist would get a 404 on every request it makes. */
  async #checkDefaultGateway(request: UpdateKeyRequest): Promise<void> {
    const id = request.default_gateway;
    if (id != null && !(await this.gateways.get(id)))
      throw badRequest('default_gateway', `No gateway '${id}': create it first, or name another.`);
  }

  /** A new key: the record, and the key itself, which is shown this once and never stored. */
  async create(request: CreateKeyRequest): Promise<{ record: KeyRecord; key: string }> {
    if (request.expires_at != null && request.expires_at * 1000 <= this.now())
      throw badRequest('expires_at', 'expires_at must be in the future.');
    await this.#checkDefaultGateway(request);
    const key = newApiKey();
    const record: KeyRecord = {
      id: this.newId('key'),
      project: request.project ?? DEFAULT_PROJECT,
      name: request.name ?? 'unnamed',
      hint: keyHint(key),
      scopes: {},
      expiresAt: null,
      budget: null,
      rateLimit: null,
      defaultGateway: null,
      createdAt: this.now(),
      revokedAt: null,
      ...keyFields(request),
    };
    await this.keys.insert(record, hashApiKey(key));
    return { record, key };
  }

  async get(id: string): Promise<KeyRecord> {
    const record = await this.keys.get(id);
    if (!record) throw keyNotFound(id);
    return record;
  }

  async update(id: string, request: UpdateKeyRequest): Promise<KeyRecord> {
    await this.#checkDefaultGateway(request);
    const record = await this.keys.update(id, keyFields(request));
    if (!record) throw keyNotFound(id);
    return record;
  }

  /** Revoked keys stop working at once; revoking twice is harmless. */
  async revoke(id: string): Promise<KeyRecord> {
    await this.get(id);
    await this.keys.revoke(id, this.now());
    return this.get(id);
  }
}

function keyNotFound(id: string) {
  return notFound(`No key found with id '${id.slice(0, 100)}'.`, 'key_not_found', 'id');
}

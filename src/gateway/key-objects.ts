import type { CreateKeyRequest, UpdateKeyRequest } from '../api/keys.ts';
import type { KeyPatch, KeyRecord } from '../store/key-store.ts';

/** A key as the API and `portico keys list` show it: never the key itself, only its hint. */
export function keyObject(key: KeyRecord) {
  return {
    id: key.id,
    object: 'key' as const,
    name: key.name,
    project: key.project,
    hint: key.hint,
    scopes: {
      models: key.scopes.models ?? null,
      gateways: key.scopes.gateways ?? null,
      admin: key.scopes.admin === true,
    },
    expires_at: key.expiresAt === null ? null : Math.floor(key.expiresAt / 1000),
    budget: key.budget && { limit_usd: key.budget.limitUsd, period: key.budget.periodMs / 1000 },
    rate_limit: key.rateLimit && {
      limit: key.rateLimit.limit,
      period: key.rateLimit.periodMs / 1000,
      technique: key.rateLimit.technique,
    },
    default_gateway: key.defaultGateway,
    created_at: Math.floor(key.createdAt / 1000),
    revoked_at: key.revokedAt === null ? null : Math.floor(key.revokedAt / 1000),
  };
}

/** The fields of a create or update request, as stored. */
export function keyFields(request: CreateKeyRequest | UpdateKeyRequest): KeyPatch {
  const patch: KeyPatch = {};
  if (request.name !== undefined) patch.name = request.name;
  if (request.scopes !== undefined) {
    patch.scopes = {
      ...(request.scopes.models ? { models: request.scopes.models } : {}),
      ...(request.scopes.gateways ? { gateways: request.scopes.gateways } : {}),
      ...(request.scopes.admin ? { admin: true } : {}),
    };
  }
  if (request.expires_at !== undefined)
    patch.expiresAt = request.expires_at === null ? null : request.expires_at * 1000;
  if (request.budget !== undefined)
    patch.budget = request.budget && {
      limitUsd: request.budget.limit_usd,
      periodMs: request.budget.period * 1000,
    };
  if (request.rate_limit !== undefined)
    patch.rateLimit = request.rate_limit && {
      limit: request.rate_limit.limit,
      periodMs: request.rate_limit.period * 1000,
      technique: request.rate_limit.technique,
    };
  if (request.default_gateway !== undefined) patch.defaultGateway = request.default_gateway;
  return patch;
}

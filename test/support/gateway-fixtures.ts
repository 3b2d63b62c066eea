import { defaultGateway, type GatewaySettings } from '../../src/api/gateway-settings.ts';
import type { CachedAnswer } from '../../src/store/cache-store.ts';
import type { KeyRecord } from '../../src/store/key-store.ts';
import type { LogEntry } from '../../src/store/log-store.ts';

/** A log entry with every field set; `overrides` changes what a test is about. */
export function logFixture(id: string, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id,
    createdAt: 1_767_225_600_000,
    gateway: 'default',
    project: 'alpha',
    modelType: 'Text Generation',
    keyId: 'key_a',
    provider: 'openai',
    model: 'openai/gpt-5.4-pro',
    path: 'POST /v1/responses',
    stream: false,
    statusCode: 200,
    success: true,
    status: 'completed',
    responseId: `resp_${id}`,
    tokensIn: 10,
    tokensCached: 2,
    tokensOut: 20,
    tokensReasoning: 5,
    cost: 0.5,
    customCost: false,
    durationMs: 100,
    ttftMs: 40,
    cacheStatus: 'MISS',
    step: 0,
    attempts: 1,
    metadata: { team: 'search', n: 1, ok: true, none: null },
    eventId: null,
    errorCode: null,
    errorMessage: null,
    requestSize: 120,
    responseSize: 480,
    requestBody: null,
    responseBody: null,
    timeline: null,
    feedback: null,
    score: null,
    ...overrides,
  };
}

export function keyFixture(id: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    project: 'alpha',
    name: `key ${id}`,
    hint: 'ptk_AbCd…wXyZ',
    scopes: { models: ['local/*'] },
    expiresAt: null,
    budget: { limitUsd: 5, periodMs: 86_400_000 },
    rateLimit: { limit: 10, periodMs: 60_000, technique: 'sliding' },
    defaultGateway: null,
    createdAt: 1_767_225_600_000,
    revokedAt: null,
    ...overrides,
  };
}

export function gatewayFixture(id: string, overrides: Partial<GatewaySettings> = {}): GatewaySettings {
  return { ...defaultGateway(id, 'api', 1_767_225_600_000), ...overrides };
}

export function answerFixture(text: string): CachedAnswer {
  return {
    model: 'local/stories260K',
    events: [
      { type: 'text-delta', delta: text },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } },
      { type: 'finish', reason: 'stop' },
    ],
  };
}

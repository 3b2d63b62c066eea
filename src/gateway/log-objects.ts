import type { AnalyticsRow, LogEntry } from '../store/log-store.ts';

/**
 * A log entry as the API answers it: Cloudflare's `AiGatewayLog` fields (`tokens_in`,
 * `duration`, `cached`, `step`, `cost`, `custom_cost`, `status_code`, `success`, ...) plus
 * what Portico records besides. Times are seconds since the epoch, durations milliseconds.
 */
export function logObject(entry: LogEntry, withBodies: boolean) {
  return {
    id: entry.id,
    object: 'gateway.log' as const,
    created_at: Math.floor(entry.createdAt / 1000),
    gateway: entry.gateway,
    project: entry.project,
    key_id: entry.keyId,
    provider: entry.provider,
    model: entry.model,
    model_type: entry.modelType,
    path: entry.path,
    stream: entry.stream,
    status_code: entry.statusCode,
    success: entry.success,
    status: entry.status,
    response_id: entry.responseId,
    cached: entry.cacheStatus === 'HIT',
    cache_status: entry.cacheStatus,
    tokens_in: entry.tokensIn,
    tokens_cached: entry.tokensCached,
    tokens_out: entry.tokensOut,
    tokens_reasoning: entry.tokensReasoning,
    tokens_counted: entry.tokensCounted === true,
    cost: entry.cost,
    custom_cost: entry.customCost,
    duration: entry.durationMs,
    time_to_first_token: entry.ttftMs,
    step: entry.step,
    attempts: entry.attempts,
    metadata: entry.metadata,
    event_id: entry.eventId,
    error:
      entry.errorCode === null && entry.errorMessage === null
        ? null
        : { code: entry.errorCode, message: entry.errorMessage },
    request_size: entry.requestSize,
    response_size: entry.responseSize,
    feedback: entry.feedback,
    score: entry.score,
    dlp: entry.dlp ?? null,
    guardrails: entry.guardrails ?? [],
    provider_config: entry.providerConfig ?? null,
    prompt: entry.prompt ?? null,
    ...(withBodies
      ? { request: entry.requestBody, response: entry.responseBody, events: entry.timeline }
      : {}),
  };
}

/**
 * A log entry as Cloudflare's REST API answers it (its SDK's `LogGetResponse`): Portico's
 * fields, but `created_at` an ISO 8601 date and `metadata` JSON text, as Cloudflare's are, and
 * the content types it names.
 */
export function cloudflareLogObject(entry: LogEntry, withBodies: boolean) {
  return {
    ...logObject(entry, withBodies),
    created_at: new Date(entry.createdAt).toISOString(),
    metadata: JSON.stringify(entry.metadata),
    request_content_type: 'application/json',
    // A stream that began is an event stream; one refused before it began, a JSON error.
    response_content_type: entry.stream && entry.status !== null ? 'text/event-stream' : 'application/json',
  };
}

export function analyticsObject(row: AnalyticsRow) {
  return {
    time: Math.floor(row.bucket / 1000),
    group: row.group,
    requests: row.requests,
    errors: row.errors,
    cache_hits: row.cacheHits,
    tokens_in: row.tokensIn,
    tokens_cached: row.tokensCached,
    tokens_out: row.tokensOut,
    tokens_reasoning: row.tokensReasoning,
    cost: row.cost,
    latency_p50: row.latencyP50,
    latency_p95: row.latencyP95,
    time_to_first_token_p50: row.ttftP50,
  };
}

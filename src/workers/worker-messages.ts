import { ApiError, type ApiErrorInit } from '../api/errors.ts';
import type { RateLimit } from '../api/gateway-settings.ts';
import type { MetricsSnapshot } from '../gateway/metrics.ts';
import type { RateDecision } from '../gateway/rate-limiter.ts';
import type { EmbeddingRequest, EmbeddingResult, ModelEvent, Turn } from '../providers/provider.ts';
import type { FileVersion } from '../tools/code-interpreter/interpreters.ts';
import type { RunResult, SandboxFile } from '../tools/code-interpreter/python-process.ts';

/**
 * What a worker asks the primary over the cluster's IPC channel (structured clone): rate-limit
 * counts, conversation locks (`lock`, answered `done` once held; `unlock` with the same id), and
 * what only the primary holds: the local models (generations, token counts, embeddings) and the
 * code interpreter's Python processes (`code` runs code in a container's; the primary asks back
 * for the files it lacks and to keep what the code wrote, in the run's turn). `abort` stops a
 * local model's work or a run of code. `metrics` asks for every worker's counts, which the
 * primary gathers with `metrics-wanted`, each worker answering `metrics-report`.
 */
export type ToPrimary =
  | { kind: 'rate'; id: number; key: string; rule: RateLimit; now: number }
  | { kind: 'lock'; id: number; key: string }
  | { kind: 'unlock'; id: number }
  | { kind: 'generate'; id: number; turn: Turn }
  | { kind: 'count'; id: number; turn: Turn }
  | { kind: 'embed'; id: number; request: EmbeddingRequest }
  | { kind: 'code'; id: number; container: string; code: string }
  | { kind: 'code-fresh'; id: number; files: Array<SandboxFile & { id: string }> }
  | { kind: 'code-kept'; id: number; versions: FileVersion[] }
  | { kind: 'code-failed'; id: number; error: WireError }
  | { kind: 'code-stop'; container: string }
  | { kind: 'metrics'; id: number }
  | { kind: 'metrics-report'; ask: number; snapshot: MetricsSnapshot | undefined }
  | { kind: 'abort'; id: number }
  | { kind: 'listening'; url: string; models: string[] };

/**
 * The primary's answers, each for the request `id` of the worker it answers, and its one
 * question of its own: `metrics-wanted`, numbered `ask`.
 */
export type ToWorker =
  | { kind: 'rate'; id: number; decision: RateDecision }
  | { kind: 'event'; id: number; event: WireModelEvent }
  | { kind: 'done'; id: number; tokens?: number }
  | { kind: 'embedded'; id: number; result: EmbeddingResult }
  | { kind: 'code-fresh'; id: number; held: ReadonlyMap<string, string> }
  | { kind: 'code-keep'; id: number; result: RunResult }
  | { kind: 'metrics'; id: number; snapshots: MetricsSnapshot[] }
  | { kind: 'failed'; id: number; error: WireError }
  | { kind: 'metrics-wanted'; ask: number };

/** An error as it crosses the channel: an ApiError keeps everything a client sees. */
export type WireError = { api: ApiErrorInit } | { message: string };

/** ModelEvents cross as they are, except a finish's ApiError, which crosses as its fields. */
export type WireModelEvent =
  | Exclude<ModelEvent, { type: 'finish' }>
  | { type: 'finish'; reason: Extract<ModelEvent, { type: 'finish' }>['reason']; error?: WireError };

export function toWireError(error: unknown): WireError {
  if (error instanceof ApiError) {
    const { status, type, message, code, param, retryAfter, retryable } = error;
    return {
      api: {
        status,
        type,
        message,
        code,
        param,
        retryable,
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      },
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

export function fromWireError(error: WireError): Error {
  return 'api' in error ? new ApiError(error.api) : new Error(error.message);
}

export function toWireEvent(event: ModelEvent): WireModelEvent {
  if (event.type !== 'finish' || !event.error) return event as WireModelEvent;
  return { type: 'finish', reason: event.reason, error: toWireError(event.error) };
}

export function fromWireEvent(event: WireModelEvent): ModelEvent {
  if (event.type !== 'finish' || !event.error) return event as ModelEvent;
  return { type: 'finish', reason: event.reason, error: fromWireError(event.error) as ApiError };
}

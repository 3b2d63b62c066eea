import { toApiError, type ApiError } from '../api/errors.ts';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { withFields } from '../with-fields.ts';
import { admitted, type GatewayContext, type HeldRecord, type Layer } from './gateway-call.ts';
import { requestTexts, responseTexts, type ScannedText } from './scanned-text.ts';

/** What a content policy reads: the request before the upstream call, or the response before its release. */
export type ContentCheck = 'request' | 'response';

export interface ContentVerdict {
  /** Replaces the answer: the request never reaches the upstream, or the response is discarded. */
  block?: ApiError;
  /** Headers the answer carries (`cf-aig-dlp`). */
  headers?: Record<string, string>;
}

/**
 * A policy on what passes through a gateway (DLP, Guardrails). It records what it found on
 * the context's trace, for the log entry, and answers what the gateway must do.
 */
export interface ContentPolicy {
  /** Whether the gateway's settings have this policy read `check`. */
  checks(gateway: GatewaySettings, check: ContentCheck): boolean;
  scan(ctx: GatewayContext, check: ContentCheck, texts: ScannedText[]): Promise<ContentVerdict>;
}

export interface ContentPolicyDeps {
  /**
   * Records a response whose answer a policy discarded as failed with `error` and no output,
   * where a record of it was begun (a stream's, a background response's); its own record of
   * the end was never written.
   */
  discard(ctx: GatewayContext, response: ResponseObject, error: ApiError): Promise<void>;
}

function isTerminal(event: ResponseStreamEvent): event is ResponseStreamEvent & { response: ResponseObject } {
  return (
    event.type === 'response.completed' ||
    event.type === 'response.incomplete' ||
    event.type === 'response.failed'
  );
}

async function* replay(events: ResponseStreamEvent[]): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  yield* events;
}

/** Runs the policies on `texts` in order; the first block wins, every policy's headers are kept. */
async function enforce(
  ctx: GatewayContext,
  policies: readonly ContentPolicy[],
  check: ContentCheck,
  texts: ScannedText[],
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  let merged = headers;
  for (const policy of policies) {
    const verdict = await policy.scan(ctx, check, texts);
    if (verdict.block) throw verdict.block;
    if (verdict.headers) merged = withFields(merged, verdict.headers);
  }
  return merged;
}

/**
 * The request checks alone, for a model operation that is not a response (an embedding's
 * input): a block is thrown, a flag's headers are answered.
 */
export async function scanRequestTexts(
  ctx: GatewayContext,
  policies: readonly ContentPolicy[],
  texts: ScannedText[],
): Promise<Record<string, string>> {
  const { gateway } = admitted(ctx);
  const onRequest = policies.filter((policy) => policy.checks(gateway, 'request'));
  return onRequest.length === 0 ? {} : enforce(ctx, onRequest, 'request', texts, {});
}

/**
 * The one seam of the gateway's content policies, for every entry point: the text of the
 * request is scanned before the upstream call (a block means the upstream is never called),
 * and with a response check on, the answer is held until it has ended, its text scanned, and
 * only then released (a block discards it for an error). It sits inside the cache: a hit is
 * not scanned again (a policy changed since does not re-read cached answers, as on Cloudflare),
 * and a blocked answer is never kept.
 */
export function contentPolicies(policies: readonly ContentPolicy[], deps: ContentPolicyDeps): Layer {
  return async (ctx, next) => {
    if (ctx.replay) return next();
    const { gateway } = admitted(ctx);
    const onRequest = policies.filter((policy) => policy.checks(gateway, 'request'));
    const onResponse = policies.filter((policy) => policy.checks(gateway, 'response'));
    if (onRequest.length === 0 && onResponse.length === 0) return next();
    let headers: Record<string, string> = {};
    if (onRequest.length > 0) {
      const texts = ctx.call.steps.flatMap((step) => requestTexts(step.request));
      headers = await enforce(ctx, onRequest, 'request', texts, headers);
    }
    if (onResponse.length === 0) {
      const answer = await next();
      return { ...answer, headers: withFields(answer.headers, headers) };
    }
    // Held whole, its record too: nothing of a response is released or stored before it has been read.
    const heldRecord: HeldRecord = {};
    ctx.heldRecord = heldRecord;
    const answer = await next();
    const held: ResponseStreamEvent[] = [];
    let final: ResponseObject | undefined;
    try {
      for await (const event of answer.events) {
        held.push(event);
        if (isTerminal(event)) final = event.response;
      }
    } catch (error) {
      // Stopped before its end (its client left): its record says so, as it would unheld.
      await heldRecord.settle?.(true);
      throw error;
    }
    if (final) {
      try {
        headers = await enforce(ctx, onResponse, 'response', responseTexts(final), headers);
      } catch (error) {
        await deps.discard(ctx, final, toApiError(error));
        await heldRecord.settle?.(false);
        throw error;
      }
    }
    await heldRecord.settle?.(true);
    return { ...answer, headers: withFields(answer.headers, headers), events: replay(held) };
  };
}

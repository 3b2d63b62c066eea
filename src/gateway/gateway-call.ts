import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { ApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { CachedAnswer } from '../store/cache-store.ts';
import type { DlpRecord, GuardrailEvaluation, ProviderConfigUse, SpendScope } from '../store/log-store.ts';
import type { Owner } from '../store/owner.ts';
import type { Principal } from './principal.ts';
import type { RequestOptions } from './request-options.ts';
import type { StoredKeyProvider } from './stored-keys.ts';

export type Credentials =
  /** The binding and the CLI: pre-authenticated, as a Workers AI binding is by its account. */
  | { kind: 'trusted'; project: Owner }
  /** An HTTP request whose key the app's middleware has checked. */
  | { kind: 'principal'; principal: Principal }
  /**
   * A caller admitted earlier, whose key is read again as the call runs (a key revoked or
   * expired meanwhile stops it): a queued background run, a WebSocket connection's turn.
   */
  | { kind: 'queued'; project: Owner; caller: QueuedCaller };

/** Who queued a background response (or opened a WebSocket), as its calls remember them. */
export interface QueuedCaller {
  keyId: string | null;
  admin: boolean;
  authenticated: boolean;
}

/** The caller a principal is, for calls made later on its behalf. */
export function queuedCaller(principal: Principal): QueuedCaller {
  return {
    keyId: principal.keyId,
    admin: principal.scopes.admin === true,
    authenticated: principal.authenticated,
  };
}

/** One request to try; a universal request has several, tried in order. */
export interface Step {
  request: CreateResponseRequest;
  /** This step's own options (a universal step's headers and config), over the request's. */
  options: RequestOptions;
  /**
   * Why a universal step's request cannot run (its query is not a valid request for its
   * endpoint): trying it fails with this error, as the provider's own 400 would at Cloudflare,
   * and the next step runs. Its `request` then names only the model the query asked for.
   */
  refused?: ApiError;
}

/** The options a step runs under: its own (a universal step's headers and config) over the request's. */
export function stepOptions(call: GatewayCall, step: Pick<Step, 'options'>): RequestOptions {
  return { ...call.options, ...step.options };
}

/** A request for a model response, from any entry point, as the gateway receives it. */
export interface GatewayCall {
  /** Where it came in, as its log names it: `POST /v1/responses`, `binding`, `cli`. */
  path: string;
  credentials: Credentials;
  /** The gateway asked for; undefined: the key's default gateway, else `default`. */
  gatewayId: string | undefined;
  options: RequestOptions;
  steps: Step[];
  /** Whether the answering model's configured fallbacks apply (a universal request's steps are its own chain). */
  modelFallbacks: boolean;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** What the entry point already had to drop (a sixth metadata entry, ...). */
  warnings: string[];
  /** The body as the client sent it, for the log; default: the first step's request. */
  body?: unknown;
  /** Bytes the client sent. */
  requestSize?: number;
  /** Whether the client asked for a stream (in its own wire format's terms), for the log. */
  stream?: boolean;
  /** A queued background response that a worker runs now (see engine/run-response.ts `resume`). */
  resume?: { response: ResponseObject; sequence: number };
  /** WebSocket mode's connection-local cache of `store: false` responses, for `previous_response_id`. */
  previousItems?(id: string): Promise<Item[] | undefined>;
  /** Set by the gateway once a provider key stored for the gateway (BYOK) served a model call. */
  storedKeyUsed?: boolean;
}

export interface GatewayAnswer {
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>;
  /** What of the request was dropped or ignored, one line each. */
  warnings: string[];
  /** `cf-aig-log-id`, `cf-aig-request-id`, `cf-aig-cache-status`, `cf-aig-step`. */
  headers: Record<string, string>;
  /** The index of the step that answered (0: the first; with model fallbacks, the fallback's place). */
  step: number;
  /** The options of the step that answered, over the request's: its `cf-aig-*` headers win. */
  stepOptions?: RequestOptions;
  /** What the model was given (the previous response's context, then the input): WebSocket mode caches it. */
  context?: Item[];
}

/** How an answer was made, as the log records it. */
export interface Trace {
  cacheStatus: 'HIT' | 'MISS' | null;
  step: number;
  attempts: number;
  /** The catalog id that answered, once known. */
  model: string | null;
  /**
   * The response as its record ended, and whether Portico counted some of its usage (its
   * provider did not report it): the log reads a response whose client left before its
   * terminal event from here.
   */
  recorded?: { response: ResponseObject; counted: boolean };
  /**
   * Spend counters its cost is added to besides its gateway's and key's: the cost-limited
   * elements of a dynamic route it passed (route-candidates.ts), the spend limit rules that
   * held for the model that answered (spend-rules.ts).
   */
  spendScopes?: SpendScope[];
  /** US dollars the Guardrails classifier's calls cost, added to the request's. */
  classifierCost?: number;
  /** What the content policies found, for the log entry. */
  dlp?: DlpRecord;
  guardrails?: GuardrailEvaluation[];
  /** The stored provider key (BYOK) that the last model call used: its config, never its secret. */
  providerConfig?: ProviderConfigUse;
}

/** One call's state on its way down the pipeline; each layer fills what it owns. */
export interface GatewayContext {
  call: GatewayCall;
  /** Milliseconds since the epoch. */
  startedAt: number;
  logId: string;
  principal?: Principal;
  gateway?: GatewaySettings;
  /** The cache's instructions to the engine: replay these events, or record the model's. */
  replay?: CachedAnswer;
  recorder?: ModelEventRecorder;
  /**
   * Set by a layer that reads the answer before releasing it: the engine leaves the write of
   * how the response ended here (see RunOptions `deferRecord`), for that layer to keep or drop.
   */
  heldRecord?: HeldRecord;
  /** Providers built with the gateway's stored keys (stored-keys.ts), over the catalog's. */
  storedKeys?: StoredKeyProvider;
  /** The retry layer's instructions to the engine: what this attempt runs. */
  attempt?: { request: CreateResponseRequest; signal: AbortSignal };
  trace: Trace;
}

/** The record of a response's end, held until its answer has been read. */
export interface HeldRecord {
  settle?: (keep: boolean) => Promise<void>;
}

/** Collects the model events of one generation, for the cache. */
export interface ModelEventRecorder {
  calls: number;
  model: string | null;
  events: CachedAnswer['events'];
  /** False once something makes the answer unfit to cache (an error, a second model call). */
  cacheable: boolean;
}

export type Next = () => Promise<GatewayAnswer>;

/** One wrapper of the pipeline: it may act before and after the rest, or answer without it. */
export type Layer = (ctx: GatewayContext, next: Next) => Promise<GatewayAnswer>;

/**
 * The layers as one function, outermost first. Unlike a web framework's compose, a layer may
 * call `next` more than once: retries run the rest of the pipeline again.
 */
export function compose(layers: readonly Layer[]): (ctx: GatewayContext) => Promise<GatewayAnswer> {
  return (ctx) => {
    const dispatch = (index: number): Promise<GatewayAnswer> => {
      const layer = layers[index];
      if (!layer) return Promise.reject(new Error('the gateway pipeline ended without an answer'));
      return layer(ctx, () => dispatch(index + 1));
    };
    return dispatch(0);
  };
}

/** The principal and gateway, which the first two layers always set before the others run. */
export function admitted(ctx: GatewayContext): { principal: Principal; gateway: GatewaySettings } {
  if (!ctx.principal || !ctx.gateway) throw new Error('a layer ran before the call was admitted');
  return { principal: ctx.principal, gateway: ctx.gateway };
}

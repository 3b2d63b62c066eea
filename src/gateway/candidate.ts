import type { ApiError } from '../api/errors.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Step } from './gateway-call.ts';

/** One thing to try: a step's request, the same request on one of its model's fallbacks, or a route's model. */
export interface Candidate {
  request: CreateResponseRequest;
  options: Step['options'];
  /** Universal steps and routes hand over on any error; a model's fallbacks only on the upstream's failures. */
  anyError: boolean;
  /** A candidate that cannot run (a universal step's bad query, a route's refusal): trying it fails with this. */
  refused: ApiError | undefined;
  /** Nothing is tried after it fails: once retried, its very last attempt waits however long it takes. */
  final: boolean;
  /** Chosen by a dynamic route: the answer names its model and provider (`cf-aig-model`, `cf-aig-provider`). */
  routed: boolean;
}

/** A candidate that fails with `error` when tried, so that the next one runs (or the error is the answer). */
export function refusal(step: Step, error: ApiError): Candidate {
  return {
    request: step.request,
    options: step.options,
    anyError: true,
    refused: error,
    final: true,
    routed: false,
  };
}

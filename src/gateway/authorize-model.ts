import { forbidden, type ApiError } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import { admitted, type Layer } from './gateway-call.ts';
import { isAdmin, matchesPattern, requireKey, type Principal } from './principal.ts';

/**
 * A key scoped to some models is refused the others (403 naming the model), before any work.
 * A price of its own (`cf-aig-custom-cost`) is an admin's to set: from any other key (or none)
 * it would be the caller's say over its own budget and the gateway's spend limit. A cache key
 * of its own (`cf-aig-cache-key`) needs a key: without one, the project is every keyless
 * caller's, and a name anyone may guess would hand one caller's answer to another.
 */
export const authorizeModel: Layer = async (ctx, next) => {
  const { principal } = admitted(ctx);
  const { call } = ctx;
  for (const step of call.steps) if (!step.refused) assertModelAllowed(principal, step.request.model);
  const customCost =
    call.options.customCost !== undefined || call.steps.some((step) => step.options.customCost);
  if (customCost && !isAdmin(principal))
    throw forbidden(
      'Only an admin key may set a custom cost: a custom price would override the budget of the key that sets it.',
      'custom_cost_not_allowed',
      'cf-aig-custom-cost',
    );
  if (call.options.cacheKey !== undefined || call.steps.some((step) => step.options.cacheKey !== undefined))
    requireKey(principal, 'A cache key of your own (cf-aig-cache-key)');
  return next();
};

/** A 403 naming the model when the principal's key is scoped to other models. */
export function assertModelAllowed(principal: Principal, model: string): void {
  if (!modelAllowed(principal, model)) throw modelNotAllowed(model);
}

/** The 403 for a model the principal's key may not use. */
export function modelNotAllowed(model: string): ApiError {
  return forbidden(`This key may not use the model '${clip(model)}'.`, 'model_not_allowed', 'model');
}

/** Whether the principal's key may use `model`. */
export function modelAllowed(principal: Principal, model: string): boolean {
  const allowed = principal.scopes.models;
  return !allowed || isAdmin(principal) || allowed.some((pattern) => matchesPattern(pattern, model));
}

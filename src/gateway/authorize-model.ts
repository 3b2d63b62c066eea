import { forbidden } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import { admitted, type Layer } from './gateway-call.ts';
import { isAdmin, matchesPattern, type Principal } from './principal.ts';

/** A key scoped to some models is refused the others (403 naming the model), before any work. */
export const authorizeModel: Layer = async (ctx, next) => {
  const { principal } = admitted(ctx);
  for (const step of ctx.call.steps) assertModelAllowed(principal, step.request.model);
  return next();
};

/** A 403 naming the model when the principal's key is scoped to other models. */
export function assertModelAllowed(principal: Principal, model: string): void {
  if (!modelAllowed(principal, model))
    throw forbidden(`This key may not use the model '${clip(model)}'.`, 'model_not_allowed', 'model');
}

/** Whether the principal's key may use `model`. */
export function modelAllowed(principal: Principal, model: string): boolean {
  const allowed = principal.scopes.models;
  return !allowed || isAdmin(principal) || allowed.some((pattern) => matchesPattern(pattern, model));
}

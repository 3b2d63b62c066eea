import { forbidden } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import { admitted, type Layer } from './gateway-call.ts';
import { isAdmin, matchesPattern } from './principal.ts';

/** A key scoped to some models is refused the others (403 naming the model), before any work. */
export const authorizeModel: Layer = async (ctx, next) => {
  const { principal } = admitted(ctx);
  const allowed = principal.scopes.models;
  if (allowed && !isAdmin(principal)) {
    for (const step of ctx.call.steps) {
      const model = step.request.model;
      if (!allowed.some((pattern) => matchesPattern(pattern, model))) {
        throw forbidden(`This key may not use the model '${clip(model)}'.`, 'model_not_allowed', 'model');
      }
    }
  }
  return next();
};

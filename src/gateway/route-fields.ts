import { isConditionValue } from '../api/route-condition.ts';
import type { GatewayCall, Step } from './gateway-call.ts';
import type { ReadField } from './match-condition.ts';

const METADATA = 'metadata.';

/** The own property `key` of `value`, when it is a plain object (never one of its prototype's). */
function own(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * What a route's conditions and rate-limit keys read of a request. `metadata.<key>`: the
 * request's gateway metadata (`cf-aig-metadata`, the binding's `gateway.metadata`, a universal
 * step's own), else the body's `metadata`. Any other path: a field of the request as the
 * Responses request it became (`temperature`, `max_output_tokens` (a chat request's
 * `max_tokens`), `reasoning.effort`, `model`). Only strings, numbers, booleans and null are
 * read; anything else is no value.
 */
export function requestFields(call: GatewayCall, step: Step): ReadField {
  return (field) => {
    let value: unknown;
    if (field.startsWith(METADATA)) {
      const key = field.slice(METADATA.length);
      value = own(step.options.metadata ?? call.options.metadata, key) ?? own(step.request.metadata, key);
    } else {
      value = step.request;
      for (const part of field.split('.')) value = own(value, part);
    }
    return isConditionValue(value) ? value : undefined;
  };
}

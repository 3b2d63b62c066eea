import { z } from 'zod';
import { ApiError, badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import { parseBody } from '../api/request.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { providerModel } from '../catalog/provider-model.ts';
import { optionsFromHeaders, withoutUndefined } from '../gateway/options-from-headers.ts';
import { OptionValues } from '../gateway/request-options.ts';
import { chatStep, messagesStep, responsesStep, workersAiStep, type ParsedStep } from './parse-step.ts';

const UniversalStep = z.strictObject({
  provider: z.string().min(1).max(64),
  endpoint: z.string().min(1).max(512),
  headers: z.record(z.string(), z.unknown()).optional(),
  query: z.unknown(),
  config: z
    .strictObject({
      requestTimeout: OptionValues.requestTimeoutMs.optional(),
      maxAttempts: OptionValues.maxAttempts.optional(),
      retryDelay: OptionValues.retryDelayMs.optional(),
      backoff: OptionValues.backoff.optional(),
    })
    .optional(),
});
type UniversalStep = z.output<typeof UniversalStep>;

/** Steps a universal request may list. */
const MAX_STEPS = 20;

/** An error inside a step names its place: `[1].query.input`, `[0].headers.cf-aig-cache-ttl`. */
function within<T>(prefix: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    const param = error.param === null ? prefix : `${prefix}.${error.param}`;
    throw new ApiError({ status: 400, type: error.type, code: error.code, param, message: error.message });
  }
}

function parseStep(step: UniversalStep, index: number, catalog: Catalog, warnings: string[]): ParsedStep {
  const endpoint = step.endpoint.replace(/^\/+/, '').replace(/^v1\//, '');
  const modelName = step.provider === 'compat' ? undefined : providerModel(catalog, step.provider);
  const kind =
    endpoint === 'chat/completions'
      ? 'chat'
      : endpoint === 'responses'
        ? 'responses'
        : endpoint === 'messages'
          ? 'messages'
          : step.provider === 'workers-ai'
            ? 'run'
            : undefined;
  if (kind === undefined)
    throw badRequest(
      `[${index}].endpoint`,
      `Portico's universal endpoint runs 'responses', 'chat/completions' and 'messages' endpoints, and Workers AI models; not '${clip(endpoint)}'.`,
      'unsupported_endpoint',
    );
  const query = () => {
    switch (kind) {
      case 'chat':
        return chatStep(step.query, modelName);
      case 'responses':
        return responsesStep(step.query, modelName);
      case 'messages':
        return messagesStep(step.query, catalog, modelName);
      case 'run':
        return workersAiStep(endpoint, step.query);
    }
  };
  let parsed: ParsedStep;
  try {
    parsed = within(`[${index}].query`, query);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    parsed = refusedStep(step, error, kind === 'run' ? endpoint : undefined, warnings);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(step.headers ?? {})) {
    try {
      headers.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    } catch {
      // What HTTP could not carry as a header (a space in a name, a line break or a non-Latin-1 character in a value).
      throw badRequest(
        `[${index}].headers.${clip(name, 64)}`,
        `Invalid header '${clip(name, 64)}': not a valid header name or value.`,
        'invalid_header',
      );
    }
  }
  const fromHeaders = within(`[${index}].headers`, () => optionsFromHeaders(headers, warnings));
  const config = step.config;
  parsed.step.options = {
    ...fromHeaders,
    ...withoutUndefined({
      requestTimeoutMs: config?.requestTimeout,
      maxAttempts: config?.maxAttempts,
      retryDelayMs: config?.retryDelay,
      backoff: config?.backoff,
    }),
  };
  return parsed;
}

/**
 * A step whose query its endpoint refuses. At Cloudflare the provider answers it with an error,
 * and the next step runs; so it does here (gateway/retry-and-fallback.ts), and a warning names
 * what was wrong. Its request names the model the query asked for, for the log.
 */
function refusedStep(
  step: UniversalStep,
  refused: ApiError,
  runModel: string | undefined,
  warnings: string[],
): ParsedStep {
  warnings.push(`${refused.param ?? 'a step'}: ${refused.message} The step was not run.`);
  const query =
    typeof step.query === 'object' && step.query !== null ? (step.query as Record<string, unknown>) : {};
  const model = runModel ?? (typeof query.model === 'string' ? clip(query.model, 256) : '');
  return {
    step: { request: { model, input: [] }, options: {}, refused },
    format: { kind: 'responses', envelope: false },
    stream: query.stream === true,
  };
}

/**
 * The steps of a universal request body. A step that is no step (its provider, endpoint or
 * headers) is a 400 naming its place in the list; one whose query is refused fails when tried.
 */
export function universalSteps(body: unknown, catalog: Catalog, warnings: string[]): ParsedStep[] {
  if (typeof body !== 'object' || body === null)
    throw badRequest(
      null,
      'The universal endpoint takes a list of steps: [{provider, endpoint, headers, query}].',
    );
  const list: unknown[] = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > MAX_STEPS)
    throw badRequest(null, `A universal request lists 1 to ${MAX_STEPS} steps.`);
  return list.map((raw, index) => {
    const step = within(`[${index}]`, () => parseBody(UniversalStep, raw));
    return parseStep(step, index, catalog, warnings);
  });
}

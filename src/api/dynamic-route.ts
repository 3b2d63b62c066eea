import { z } from 'zod';
import { LIMITS, MAX_ATTEMPTS } from './limits.ts';
import { RouteConditionInput } from './route-condition.ts';

/** A route is asked for as `model: "dynamic/<name>"`. */
export const DYNAMIC_MODEL_PREFIX = 'dynamic/';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ElementId = z.string().regex(ID, 'ids are 1 to 64 letters, digits, dots, dashes and underscores');
const Output = z.strictObject({ elementId: ElementId });
/** `"10%"`, `"33.5%"`: a share of the requests. */
const SHARE = /^(\d{1,3}(\.\d{1,2})?)%$/;

const Start = z.strictObject({
  id: ElementId,
  type: z.literal('start'),
  outputs: z.strictObject({ next: Output }),
});

const Conditional = z.strictObject({
  id: ElementId,
  type: z.literal('conditional'),
  // Cloudflare's JSON writes `conditions` (its older pages, `condition`): either is read.
  properties: z
    .strictObject({ conditions: RouteConditionInput.optional(), condition: RouteConditionInput.optional() })
    .refine((p) => (p.conditions === undefined) !== (p.condition === undefined), {
      error: 'must have conditions (an object of fields and operators)',
    })
    .transform((p) => ({ conditions: (p.conditions ?? p.condition)! })),
  outputs: z.strictObject({ true: Output.optional(), false: Output.optional() }),
});

const Percentage = z.strictObject({
  id: ElementId,
  type: z.literal('percentage'),
  outputs: z.record(
    z
      .string()
      .regex(/^(\d{1,3}(\.\d{1,2})?%|else)$/, 'outputs are shares such as "10%" or "33.5%", and "else"'),
    Output,
  ),
});

/** Seconds in an hour: a cost limit's window is counted in the spend table's hourly buckets. */
const HOUR_S = 3600;
const Seconds = z.int('must be a whole number of seconds').positive('must be positive');

/**
 * Cloudflare's docs write this element `rate_limit` with `interval`; its API's own schema (and
 * so its SDK and Terraform) `rate` with `window`. Both are read, and kept as written.
 */
const RateLimitElement = z.strictObject({
  id: ElementId,
  type: z.enum(['rate_limit', 'rate']),
  properties: z
    .strictObject({
      /** `count`: requests; `cost`: US dollars spent by the requests that passed this element. */
      limitType: z.enum(['count', 'cost'], "must be 'count' or 'cost'").default('count'),
      /** The request field whose value has its own counter (`metadata.user_id`); none: one for the route. */
      key: z.string().min(1).max(128).optional(),
      limit: z.number('must be a number').positive('must be positive'),
      /** Seconds; `window` is its other spelling. */
      interval: Seconds.optional(),
      window: Seconds.optional(),
      technique: z.enum(['fixed', 'sliding'], "must be 'fixed' or 'sliding'").default('fixed'),
    })
    .superRefine((properties, ctx) => {
      const { interval, window } = properties;
      if ((interval === undefined) === (window === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [interval === undefined ? 'interval' : 'window'],
          message: 'a rate limit takes its time window as interval or as window (seconds), one of them',
        });
      if (properties.limitType === 'count' && !Number.isInteger(properties.limit))
        ctx.addIssue({ code: 'custom', path: ['limit'], message: 'must be a whole number of requests' });
      if (properties.limitType === 'cost' && (interval ?? window ?? 0) % HOUR_S !== 0)
        ctx.addIssue({
          code: 'custom',
          path: [interval === undefined ? 'window' : 'interval'],
          message:
            'a cost limit is counted in hourly buckets: its interval must be a whole number of hours (3600, 86400, ...)',
        });
    }),
  outputs: z.strictObject({ success: Output.optional(), fallback: Output.optional() }),
});

const ModelElement = z.strictObject({
  id: ElementId,
  type: z.literal('model'),
  properties: z.strictObject({
    provider: z.string().min(1, 'must name a provider').max(64),
    model: z.string().min(1, 'must name a model').max(256),
    /** Milliseconds to the first byte of the answer, per attempt. */
    timeout: z.int('must be a whole number of milliseconds').positive('must be positive').optional(),
    /** Attempts after the first. */
    retries: z
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .max(MAX_ATTEMPTS - 1, `at most ${MAX_ATTEMPTS - 1} (${MAX_ATTEMPTS} attempts)`)
      .optional(),
  }),
  outputs: z.strictObject({ success: Output.optional(), fallback: Output.optional() }),
});

const End = z.strictObject({
  id: ElementId,
  type: z.literal('end'),
  outputs: z.strictObject({}).optional(),
});

const RouteElement = z.discriminatedUnion(
  'type',
  [Start, Conditional, Percentage, RateLimitElement, ModelElement, End],
  {
    error:
      "type must be one of 'start', 'conditional', 'percentage', 'rate_limit' (or 'rate'), 'model', 'end'",
  },
);
export type RouteElement = z.output<typeof RouteElement>;
export type ModelRouteElement = z.output<typeof ModelElement>;
export type RateLimitRouteElement = z.output<typeof RateLimitElement>;

type Issue = (path: Array<string | number>, message: string) => void;

/** The outputs of an element, by name; `end` has none. */
export function outputsOf(element: RouteElement): Array<[string, { elementId: string }]> {
  return Object.entries(element.outputs ?? {}).filter(
    (entry): entry is [string, { elementId: string }] => entry[1] !== undefined,
  );
}

function checkPercentages(element: RouteElement & { type: 'percentage' }, at: number, issue: Issue): void {
  const shares = Object.keys(element.outputs).filter((name) => name !== 'else');
  if (shares.length > 5) issue(['elements', at, 'outputs'], 'at most 5 shares, and else');
  const total = shares.reduce((sum, name) => sum + Number(SHARE.exec(name)?.[1] ?? 0), 0);
  if (total > 100) issue(['elements', at, 'outputs'], `the shares add up to ${total}%, over 100%`);
}

/**
 * The route as a graph: one start, every output naming an element of the route, a model's
 * `success` leading to an end (its answer is the route's), and no cycle.
 */
function checkGraph(route: { elements: RouteElement[] }, issue: Issue): void {
  const { elements } = route;
  const index = new Map<string, number>();
  elements.forEach((element, at) => {
    if (index.has(element.id))
      issue(['elements', at, 'id'], `repeats the id of elements[${index.get(element.id)}]`);
    else index.set(element.id, at);
  });
  const starts = elements.flatMap((element, at) => (element.type === 'start' ? [at] : []));
  if (starts.length === 0) issue(['elements'], 'a route needs a start element');
  for (const at of starts.slice(1)) issue(['elements', at, 'type'], 'a route has one start element');
  let broken = false;
  elements.forEach((element, at) => {
    if (element.type === 'percentage') checkPercentages(element, at, issue);
    for (const [name, output] of outputsOf(element)) {
      const target = index.get(output.elementId);
      const path = ['elements', at, 'outputs', name];
      if (target === undefined) {
        issue(path, `names no element of the route: '${output.elementId}'`);
        broken = true;
      } else if (element.type === 'model' && name === 'success' && elements[target]!.type !== 'end')
        issue(path, "a model's answer ends the route: success must lead to an end element");
    }
  });
  if (!broken) findCycle(elements, index, issue);
}

/** Depth-first, each element once: an output back to an element still on the path closes a cycle. */
function findCycle(elements: RouteElement[], index: Map<string, number>, issue: Issue): void {
  const state = new Array<'open' | 'done' | undefined>(elements.length);
  const visit = (at: number, path: string[]): boolean => {
    state[at] = 'open';
    for (const [name, output] of outputsOf(elements[at]!)) {
      const target = index.get(output.elementId)!;
      if (state[target] === 'open') {
        const cycle = [...path.slice(path.indexOf(output.elementId)), output.elementId].join(' → ');
        issue(['elements', at, 'outputs', name], `makes a cycle: ${cycle}`);
        return true;
      }
      if (state[target] === undefined && visit(target, [...path, output.elementId])) return true;
    }
    state[at] = 'done';
    return false;
  };
  for (let at = 0; at < elements.length; at++)
    if (state[at] === undefined && visit(at, [elements[at]!.id])) return;
}

/** Route names: what follows `dynamic/` in a request's model. */
export const ROUTE_NAME = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'route names are 1 to 64 letters, digits, dots, dashes and underscores',
  );

const RouteElements = z
  .array(RouteElement, 'must be a list of elements')
  .max(LIMITS.routeElements, `at most ${LIMITS.routeElements} elements`);

const graphIssues = (route: { elements: RouteElement[] }, ctx: z.RefinementCtx) =>
  checkGraph(route, (path, message) => ctx.addIssue({ code: 'custom', path, message }));

/** A dynamic route as the config file and the admin API write it (Cloudflare's JSON). */
export const DynamicRouteInput = z
  .strictObject({ id: z.string().min(1).max(64).optional(), name: ROUTE_NAME, elements: RouteElements })
  .superRefine(graphIssues);

/** A route's graph alone, checked as a route's is: a new version (Cloudflare's `createVersion`). */
export const RouteGraphInput = z.strictObject({ elements: RouteElements }).superRefine(graphIssues);
export type DynamicRoute = z.output<typeof DynamicRouteInput>;

/**
 * The id that Cloudflare's route API names a route by: its own `id`, else its name (a route
 * written without one, in the config file or through `/v1/gateways`).
 */
export function routeId(route: Pick<DynamicRoute, 'id' | 'name'>): string {
  return route.id ?? route.name;
}

/** A gateway's routes: names and ids unique, at most LIMITS.routesPerGateway. */
export const DynamicRoutesInput = z
  .array(DynamicRouteInput, 'must be a list of routes')
  .max(LIMITS.routesPerGateway, `at most ${LIMITS.routesPerGateway} routes`)
  .superRefine((routes, ctx) => {
    const names = new Set<string>();
    const ids = new Set<string>();
    routes.forEach((route, at) => {
      if (names.has(route.name))
        ctx.addIssue({
          code: 'custom',
          path: [at, 'name'],
          message: `another route is named '${route.name}'`,
        });
      else if (ids.has(routeId(route)))
        ctx.addIssue({
          code: 'custom',
          path: [at, 'id'],
          message: `another route has the id '${routeId(route)}'`,
        });
      names.add(route.name);
      ids.add(routeId(route));
    });
  });

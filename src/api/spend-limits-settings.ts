import { z } from 'zod';
import { MAX_METADATA_ENTRIES, MAX_METADATA_VALUE_LENGTH } from './limits.ts';

/** Cloudflare's bound: at most 20 rules on a gateway. */
export const MAX_SPEND_RULES = 20;
export const MAX_SPEND_FILTER_VALUES = 100;
/** Spend is counted in hourly buckets (log-filter-sql.ts), so a window is whole hours. */
const HOUR_S = 3600;
export const MAX_SPEND_WINDOW_S = 366 * 24 * HOUR_S;

const FilterValue = z
  .string('must be a string')
  .min(1, 'must not be empty')
  .max(MAX_METADATA_VALUE_LENGTH, `must be at most ${MAX_METADATA_VALUE_LENGTH} characters`);

/** "Split by value" (`partition`: a budget per distinct value) or "filter by value" (only these values). */
const Dimension = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('partition') }),
    z.strictObject({
      mode: z.literal('filter'),
      values: z
        .array(FilterValue)
        .min(1, 'must hold at least one value')
        .max(MAX_SPEND_FILTER_VALUES, `must hold at most ${MAX_SPEND_FILTER_VALUES} values`),
    }),
  ],
  "must be {mode: 'partition'} or {mode: 'filter', values: [...]}",
);
export type SpendDimension = z.output<typeof Dimension>;

const SpendRule = z.strictObject({
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'ids are 1 to 64 letters, digits, dots, dashes and underscores',
    )
    .optional(),
  enabled: z.boolean('must be true or false').default(true),
  /** US dollars. */
  limit: z.number('must be a number of US dollars').positive('must be positive').max(1e9),
  limitType: z.literal('cost', "must be 'cost'"),
  /** Seconds. */
  window: z
    .int('must be a whole number of seconds')
    .min(HOUR_S, `must be at least ${HOUR_S} s`)
    .max(MAX_SPEND_WINDOW_S, `must be at most ${MAX_SPEND_WINDOW_S} s`)
    .refine((window) => window % HOUR_S === 0, `must be a whole number of hours (a multiple of ${HOUR_S} s)`),
  /** Fixed: windows aligned to multiples of `window` since the epoch (a day's resets at 00:00 UTC); sliding: the trailing window. */
  technique: z.enum(['fixed', 'sliding'], "must be 'fixed' or 'sliding'").default('fixed'),
  model: Dimension.optional(),
  provider: Dimension.optional(),
  metadata: z
    .record(z.string().min(1, 'keys must not be empty').max(64, 'keys are at most 64 characters'), Dimension)
    .refine(
      (metadata) => Object.keys(metadata).length <= MAX_METADATA_ENTRIES,
      `must name at most ${MAX_METADATA_ENTRIES} keys (a request carries at most ${MAX_METADATA_ENTRIES})`,
    )
    .optional(),
});
export type SpendRule = z.output<typeof SpendRule>;

/**
 * A gateway's spend limits in Cloudflare's form (its gateway API's `spend_limits`): dollar
 * budgets over fixed or sliding windows, each scoped by model, provider and metadata keys.
 */
export const SpendLimitsInput = z.strictObject({
  enabled: z.boolean('must be true or false').default(true),
  rules: z
    .array(SpendRule)
    .max(MAX_SPEND_RULES, `must hold at most ${MAX_SPEND_RULES} rules`)
    .default([])
    .superRefine((rules, issue) => {
      const seen = new Set<string>();
      for (const [index, rule] of rules.entries()) {
        if (rule.id === undefined) continue;
        if (seen.has(rule.id))
          issue.addIssue({ code: 'custom', path: [index, 'id'], message: `'${rule.id}' names two rules` });
        seen.add(rule.id);
      }
    }),
});
export type SpendLimits = z.output<typeof SpendLimitsInput>;

import { z } from 'zod';

/** Llama Guard 3's hazard categories that Guardrails evaluates (S14, code interpreter abuse, is not). */
export const HAZARD_CATEGORIES = [
  'S1',
  'S2',
  'S3',
  'S4',
  'S5',
  'S6',
  'S7',
  'S8',
  'S9',
  'S10',
  'S11',
  'S12',
  'S13',
] as const;
export type HazardCategory = (typeof HAZARD_CATEGORIES)[number];
/** Prompt injection, judged by a prompt-guard classifier on prompts only. */
export type GuardrailCategory = HazardCategory | 'P1';

/** Cloudflare's default classifier, on Workers AI. */
export const DEFAULT_GUARD_MODEL = '@cf/meta/llama-guard-3-8b';

const GuardAction = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['FLAG', 'IGNORE', 'BLOCK'], "must be 'FLAG', 'IGNORE' or 'BLOCK'"));
export type GuardAction = z.output<typeof GuardAction>;

const ModelId = z.string().min(1, 'must name a model').max(256, 'must be at most 256 characters');

/** Cloudflare's keys are lowercase (`s1`); the upper case of the categories' names is read too. */
function categoryActions<K extends string>(keys: readonly K[]) {
  const shape = Object.fromEntries(
    keys.flatMap((key) => [
      [key.toLowerCase(), GuardAction.optional()],
      [key, GuardAction.optional()],
    ]),
  ) as Record<string, z.ZodOptional<typeof GuardAction>>;
  return z.strictObject(shape).transform((given) => {
    const actions: Partial<Record<K, GuardAction>> = {};
    for (const key of keys) {
      const action = given[key.toLowerCase()] ?? given[key];
      if (action !== undefined) actions[key] = action;
    }
    return actions;
  });
}

/**
 * A gateway's Guardrails (Cloudflare's `guardrails` property): a classifier model judges
 * prompts and responses against Llama Guard's hazard categories, and each category flags,
 * ignores or blocks, separately for prompts and responses. A category left out is flagged.
 */
export const GuardrailsSettingsInput = z
  .strictObject({
    enabled: z.boolean('must be true or false'),
    model: ModelId.default(DEFAULT_GUARD_MODEL),
    /** A prompt-guard classifier for prompt injection (`P1`); none: P1 is not evaluated. */
    prompt_guard_model: ModelId.nullable().default(null),
    prompt: categoryActions<GuardrailCategory>([...HAZARD_CATEGORIES, 'P1']).default({}),
    response: categoryActions<HazardCategory>(HAZARD_CATEGORIES).default({}),
  })
  .superRefine((guardrails, issue) => {
    if (guardrails.prompt.P1 !== undefined && guardrails.prompt_guard_model === null)
      issue.addIssue({
        code: 'custom',
        path: ['prompt', 'p1'],
        message: 'needs a prompt_guard_model to judge prompt injection',
      });
  });

export type GuardrailsSettings = z.output<typeof GuardrailsSettingsInput>;

/** What a category does on a check: a category left out is flagged; P1 only with its classifier. */
export function guardAction(
  settings: GuardrailsSettings,
  check: 'prompt' | 'response',
  category: GuardrailCategory,
): GuardAction {
  if (category === 'P1')
    return check === 'prompt' && settings.prompt_guard_model !== null
      ? (settings.prompt.P1 ?? 'FLAG')
      : 'IGNORE';
  return (check === 'prompt' ? settings.prompt[category] : settings.response[category]) ?? 'FLAG';
}

/** Guardrails as the admin API answers them: Cloudflare's lowercase category keys (`s1`, `p1`). */
export function guardrailsObject(settings: GuardrailsSettings) {
  const lower = (actions: Partial<Record<GuardrailCategory, GuardAction>>) =>
    Object.fromEntries(Object.entries(actions).map(([key, action]) => [key.toLowerCase(), action]));
  return { ...settings, prompt: lower(settings.prompt), response: lower(settings.response) };
}

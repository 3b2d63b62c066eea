import { z } from 'zod';
import { linearPatternProblem } from './linear-regexp.ts';

/** The detection profiles Portico ships (it has no Cloudflare One to share profiles from). */
export const BUILTIN_DLP_PROFILES = ['credit_card', 'us_ssn', 'iban', 'email', 'phone', 'secrets'] as const;
export type BuiltinDlpProfile = (typeof BUILTIN_DLP_PROFILES)[number];

const MAX_POLICIES = 32;
const MAX_PROFILES = 32;
const MAX_ENTRIES = 64;
export const MAX_DLP_PATTERN_CHARS = 1000;

const DlpId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'ids are 1 to 64 letters, digits, dots, dashes and underscores',
  );

/** Cloudflare's API writes `FLAG` and `BLOCK`; either case is read. */
const Action = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['FLAG', 'BLOCK'], "must be 'FLAG' or 'BLOCK'"));
const Check = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['REQUEST', 'RESPONSE'], "must be 'REQUEST' or 'RESPONSE'"));

const Policy = z.strictObject({
  id: DlpId,
  enabled: z.boolean('must be true or false').default(true),
  profiles: z.array(DlpId).min(1, 'must name at least one profile').max(MAX_PROFILES),
  action: Action,
  check: z.array(Check).min(1, "must hold 'REQUEST', 'RESPONSE' or both").max(2),
});

/** A regular expression run by RE2 (linear time: a pattern cannot hold the server). */
const Pattern = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_DLP_PATTERN_CHARS, `must be at most ${MAX_DLP_PATTERN_CHARS} characters`)
  .superRefine((pattern, issue) => {
    let problem: string | undefined;
    try {
      new RegExp(pattern, 'u');
      problem = linearPatternProblem(pattern);
    } catch (error) {
      problem = `is not a valid regular expression (${(error as Error).message})`;
    }
    if (problem) issue.addIssue({ code: 'custom', message: problem });
  });

const CustomProfile = z.strictObject({
  id: DlpId,
  entries: z
    .array(z.strictObject({ id: DlpId, pattern: Pattern }))
    .min(1, 'must hold at least one entry')
    .max(MAX_ENTRIES),
});

/**
 * A gateway's Data Loss Prevention (Cloudflare's `dlp` property, in its policies form): each
 * policy checks the request, the response or both against its profiles, and flags or blocks.
 * Profiles are the built-in ones or `custom_profiles` of named regular expressions.
 */
const PoliciesForm = z
  .strictObject({
    enabled: z.boolean('must be true or false'),
    policies: z.array(Policy).max(MAX_POLICIES).default([]),
    custom_profiles: z.array(CustomProfile).max(MAX_PROFILES).default([]),
  })
  .superRefine((dlp, issue) => {
    const custom = new Set(dlp.custom_profiles.map((profile) => profile.id));
    const builtin = new Set<string>(BUILTIN_DLP_PROFILES);
    dlp.custom_profiles.forEach((profile, index) => {
      if (builtin.has(profile.id))
        issue.addIssue({
          code: 'custom',
          path: ['custom_profiles', index, 'id'],
          message: `'${profile.id}' is a built-in profile's id`,
        });
    });
    dlp.policies.forEach((policy, index) =>
      policy.profiles.forEach((id, at) => {
        if (!builtin.has(id) && !custom.has(id))
          issue.addIssue({
            code: 'custom',
            path: ['policies', index, 'profiles', at],
            message: `'${id}' is neither a built-in profile (${BUILTIN_DLP_PROFILES.join(', ')}) nor one of custom_profiles`,
          });
      }),
    );
  });

/** The policy Cloudflare's older form (`{action, enabled, profiles}`) is read as. */
const OLDER_FORM_POLICY_ID = 'dlp';

/**
 * Cloudflare's older form, one action over a list of profiles, scanning requests and responses
 * alike, is read as that one policy (and answered in the policies form).
 */
function fromOlderForm(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || 'policies' in input || !('action' in input))
    return input;
  const { action, profiles, enabled, ...rest } = input as Record<string, unknown>;
  const policy = {
    id: OLDER_FORM_POLICY_ID,
    enabled: true,
    profiles,
    action,
    check: ['REQUEST', 'RESPONSE'],
  };
  return { ...rest, enabled, policies: [policy] };
}

export const DlpSettingsInput = z.preprocess(fromOlderForm, PoliciesForm);

export type DlpSettings = z.output<typeof DlpSettingsInput>;
export type DlpPolicy = DlpSettings['policies'][number];
export type DlpCheck = DlpPolicy['check'][number];

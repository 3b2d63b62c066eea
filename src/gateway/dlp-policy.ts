import { BUILTIN_DLP_PROFILES, type BuiltinDlpProfile, type DlpSettings } from '../api/dlp-settings.ts';
import { linearRegExp } from '../api/linear-regexp.ts';
import type { DlpFinding } from '../store/log-store.ts';
import type { ContentCheck, ContentPolicy } from './content-policies.ts';
import { dlpBlocked } from './content-errors.ts';
import { admitted } from './gateway-call.ts';
import { BUILTIN_DLP_ENTRIES, type DlpEntry } from './dlp-detectors.ts';
import type { ScannedText } from './scanned-text.ts';

/**
 * Text is read in windows of this many characters, each overlapping the one before by
 * WINDOW_OVERLAP: no pattern ever runs over more than a window, however long the text, and a
 * match of up to WINDOW_OVERLAP characters is never split.
 */
const WINDOW = 65_536;
const WINDOW_OVERLAP = 1_024;

function* windows(text: string): Generator<string, void, undefined> {
  if (text.length <= WINDOW) {
    yield text;
    return;
  }
  for (let start = 0; start < text.length; start += WINDOW - WINDOW_OVERLAP) {
    yield text.slice(start, start + WINDOW);
    if (start + WINDOW >= text.length) return;
  }
}

const builtin = new Set<string>(BUILTIN_DLP_PROFILES);

/** Custom entries compiled once per pattern (RE2: linear in the text, whatever the pattern). */
const compiled = new Map<string, DlpEntry['test']>();
function customTest(pattern: string): DlpEntry['test'] {
  let test = compiled.get(pattern);
  if (!test) {
    const regexp = linearRegExp(pattern, '');
    test = (text) => regexp.test(text);
    if (compiled.size >= 1024) compiled.clear();
    compiled.set(pattern, test);
  }
  return test;
}

function profileEntries(dlp: DlpSettings, id: string): readonly DlpEntry[] {
  if (builtin.has(id)) return BUILTIN_DLP_ENTRIES[id as BuiltinDlpProfile];
  const profile = dlp.custom_profiles.find((custom) => custom.id === id);
  return (profile?.entries ?? []).map((entry) => ({ id: entry.id, test: customTest(entry.pattern) }));
}

/** The enabled policies that read `check`. */
function policiesFor(dlp: DlpSettings | undefined, check: ContentCheck) {
  if (!dlp?.enabled) return [];
  const wanted = check === 'request' ? 'REQUEST' : 'RESPONSE';
  return dlp.policies.filter((policy) => policy.enabled && policy.check.includes(wanted));
}

/** Each profile the policies name that matches, with its entries that matched and where first. */
function findings(dlp: DlpSettings, check: ContentCheck, texts: readonly ScannedText[]): DlpFinding[] {
  const policies = policiesFor(dlp, check);
  const profiles = [...new Set(policies.flatMap((policy) => policy.profiles))];
  const found: DlpFinding[] = [];
  for (const profileId of profiles) {
    const entries = profileEntries(dlp, profileId);
    const matched = new Set<string>();
    let context: string | undefined;
    for (const { at, text } of texts)
      for (const window of windows(text))
        for (const entry of entries)
          if (!matched.has(entry.id) && entry.test(window)) {
            matched.add(entry.id);
            context ??= at;
          }
    if (context === undefined) continue;
    found.push({
      profile: { context, entry_ids: [...matched], profile_id: profileId },
      policy_ids: policies.filter((policy) => policy.profiles.includes(profileId)).map((policy) => policy.id),
      check: check === 'request' ? 'REQUEST' : 'RESPONSE',
    });
  }
  return found;
}

/**
 * Data Loss Prevention: the gateway's policies' profiles are matched against the text; a
 * blocking policy that matched stops the request (400, code 2029) or discards the response
 * (code 2030); otherwise what matched is flagged in `cf-aig-dlp` and the log.
 */
export const dlpPolicy: ContentPolicy = {
  checks: (gateway, check) => policiesFor(gateway.dlp, check).length > 0,
  async scan(ctx, check, texts) {
    const dlp = admitted(ctx).gateway.dlp!;
    const found = findings(dlp, check, texts);
    if (found.length === 0) return {};
    const blocking = new Set(
      policiesFor(dlp, check)
        .filter((policy) => policy.action === 'BLOCK')
        .map((policy) => policy.id),
    );
    const blockedBy = [...new Set(found.flatMap((finding) => finding.policy_ids))].filter((id) =>
      blocking.has(id),
    );
    const action = blockedBy.length > 0 ? 'BLOCK' : 'FLAG';
    const record = ctx.trace.dlp;
    ctx.trace.dlp = {
      action: record?.action === 'BLOCK' ? 'BLOCK' : action,
      findings: [...(record?.findings ?? []), ...found],
    };
    if (action === 'BLOCK') return { block: dlpBlocked(check, blockedBy) };
    return { headers: { 'cf-aig-dlp': JSON.stringify(ctx.trace.dlp) } };
  },
};

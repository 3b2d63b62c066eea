/**
 * The logs page's Prompt box as `GET /v1/logs` `filters` (JSON): `pmpt_…` finds that prompt's
 * requests, `pmpt_…@2` those of its version 2 (as `portico run --prompt` names one, and as
 * analytics name a version's group); empty, no filter.
 */
export function promptFilters(text: string): string | undefined {
  const [id = '', version] = text.trim().split('@', 2);
  if (!id) return undefined;
  const filters = [{ key: 'prompt_id', operator: 'eq', value: [id] }];
  if (version) filters.push({ key: 'prompt_version', operator: 'eq', value: [version] });
  return JSON.stringify(filters);
}

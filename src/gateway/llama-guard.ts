import { HAZARD_CATEGORIES, type HazardCategory } from '../api/guardrails-settings.ts';

/** Llama Guard 3's names of the hazard categories Guardrails evaluates. */
const CATEGORY_NAMES: Readonly<Record<HazardCategory, string>> = {
  S1: 'Violent Crimes.',
  S2: 'Non-Violent Crimes.',
  S3: 'Sex Crimes.',
  S4: 'Child Exploitation.',
  S5: 'Defamation.',
  S6: 'Specialized Advice.',
  S7: 'Privacy.',
  S8: 'Intellectual Property.',
  S9: 'Indiscriminate Weapons.',
  S10: 'Hate.',
  S11: 'Self-Harm.',
  S12: 'Sexual Content.',
  S13: 'Elections.',
};

/** One turn of the conversation the classifier judges. */
export interface GuardTurn {
  role: 'User' | 'Agent';
  text: string;
}

/**
 * Llama Guard 3's task for the last turn of `conversation` (the user's prompt, or the agent's
 * answer after it), as its model card writes it; the chat template around it is the
 * provider's to add.
 */
export function llamaGuardTask(conversation: readonly GuardTurn[]): string {
  const role = conversation.at(-1)?.role ?? 'User';
  const categories = HAZARD_CATEGORIES.map((id) => `${id}: ${CATEGORY_NAMES[id]}`).join('\n');
  const turns = conversation.map((turn) => `${turn.role}: ${turn.text}`).join('\n\n');
  return (
    `Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.\n\n` +
    `<BEGIN UNSAFE CONTENT CATEGORIES>\n${categories}\n<END UNSAFE CONTENT CATEGORIES>\n\n` +
    `<BEGIN CONVERSATION>\n\n${turns}\n\n<END CONVERSATION>\n\n` +
    `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:\n` +
    ` - First line must read 'safe' or 'unsafe'.\n` +
    ` - If unsafe, a second line must include a comma-separated list of violated categories.`
  );
}

const known = new Set<string>(HAZARD_CATEGORIES);

/**
 * The categories a verdict names: `safe` is none, `unsafe\nS1,S10` is S1 and S10 (an
 * unsafe verdict naming no category Guardrails evaluates, such as S14, is none either).
 * Undefined for anything else: the classifier did not answer in its format.
 */
export function parseLlamaGuardVerdict(text: string): HazardCategory[] | undefined {
  const [first = '', second = ''] = text.trim().split(/\r?\n/);
  const verdict = first.trim().toLowerCase();
  if (verdict === 'safe') return [];
  if (verdict !== 'unsafe') return undefined;
  const named = second.split(',').map((category) => category.trim().toUpperCase());
  return named.filter((category): category is HazardCategory => known.has(category));
}

/**
 * Whether a prompt-guard classifier's answer says the prompt is an injection or jailbreak
 * (`MALICIOUS`, `INJECTION`, `JAILBREAK`, `unsafe`) or not (`BENIGN`, `safe`); undefined: neither.
 */
export function parsePromptGuardVerdict(text: string): boolean | undefined {
  const label =
    text
      .trim()
      .split(/\s/)[0]
      ?.replace(/[^A-Za-z]/g, '')
      .toUpperCase() ?? '';
  if (['MALICIOUS', 'INJECTION', 'JAILBREAK', 'UNSAFE'].includes(label)) return true;
  if (['BENIGN', 'SAFE'].includes(label)) return false;
  return undefined;
}

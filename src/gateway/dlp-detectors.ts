import type { BuiltinDlpProfile } from '../api/dlp-settings.ts';

/** One thing a profile detects: its id (as findings name it) and whether a text holds it. */
export interface DlpEntry {
  id: string;
  test(text: string): boolean;
}

/** Whether any match of `pattern` (global) in `text` passes `valid`. */
function anyMatch(pattern: RegExp, text: string, valid: (match: string) => boolean = () => true): boolean {
  for (const match of text.matchAll(pattern)) if (valid(match[0])) return true;
  return false;
}

/** The Luhn checksum of a card number's digits. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

function cardNumber(match: string): boolean {
  const digits = match.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhn(digits);
}

/** Area 000, 666 and 900-999, group 00 and serial 0000 are never issued. */
function socialSecurityNumber(match: string): boolean {
  const [area, group, serial] = match.split(/[- ]/);
  return area !== '000' && area !== '666' && area![0] !== '9' && group !== '00' && serial !== '0000';
}

/** ISO 13616: the country and check digits moved to the end, letters as 10-35, mod 97 is 1. */
function iban(match: string): boolean {
  const compact = match.replace(/ /g, '');
  if (compact.length < 15 || compact.length > 34) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of moved) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : char.charCodeAt(0) - 48;
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

const entry = (id: string, pattern: RegExp, valid?: (match: string) => boolean): DlpEntry => ({
  id,
  test: (text) => anyMatch(pattern, text, valid),
});

/**
 * Portico's built-in profiles. Where a number carries a checksum it is checked (cards: Luhn;
 * IBAN: mod 97), and SSNs ranges never issued are passed over, so random digits rarely match.
 */
export const BUILTIN_DLP_ENTRIES: Readonly<Record<BuiltinDlpProfile, readonly DlpEntry[]>> = {
  credit_card: [entry('credit_card_number', /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g, cardNumber)],
  us_ssn: [
    entry('us_social_security_number', /(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])/g, socialSecurityNumber),
  ],
  iban: [entry('iban', /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, iban)],
  email: [
    entry(
      'email_address',
      /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g,
    ),
  ],
  // E.164: a plus, a country code, and 8 to 15 digits in all, spaced or not.
  phone: [entry('phone_number', /(?<![\w+])\+[1-9](?:[ .-]?\d){7,14}(?!\d)/g)],
  secrets: [
    entry('aws_access_key_id', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g),
    entry('private_key', /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----/g),
    entry('openai_api_key', /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g),
    entry('anthropic_api_key', /\bsk-ant-[A-Za-z0-9_-]{20,}/g),
    entry('github_token', /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b/g),
    entry('slack_token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/g),
    entry('google_api_key', /\bAIza[0-9A-Za-z_-]{35}/g),
    entry('stripe_secret_key', /\b[rs]k_live_[0-9A-Za-z]{24,}/g),
  ],
};

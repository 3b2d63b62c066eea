import { randomBytes } from 'node:crypto';

/** A call id as OpenAI writes them: `call_` and 24 random characters. */
export function newCallId(): string {
  return `call_${randomBytes(18).toString('base64url').replace(/[-_]/g, '0').slice(0, 24)}`;
}

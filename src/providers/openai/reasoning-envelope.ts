/**
 * OpenAI binds a reasoning item's `encrypted_content` to the item id it issued, and rejects it
 * under any other id ("Encrypted content item_id did not match the target item id"). Portico
 * gives reasoning items its own ids, so the upstream id travels inside the opaque value Portico
 * stores and returns: `portico.openai:<upstream id>:<encrypted content>`. The prefix also tells
 * OpenAI's reasoning apart from another provider's (an Anthropic thinking signature), which
 * must never be sent to OpenAI.
 */
const PREFIX = 'portico.openai:';

export function sealReasoning(upstreamId: string, encryptedContent: string): string {
  return `${PREFIX}${upstreamId}:${encryptedContent}`;
}

export interface OpenAiReasoning {
  id: string;
  encryptedContent: string;
}

/** The upstream id and encrypted content inside a sealed value, or undefined for any other value. */
export function openReasoning(value: string): OpenAiReasoning | undefined {
  if (!value.startsWith(PREFIX)) return undefined;
  const rest = value.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  return { id: rest.slice(0, colon), encryptedContent: rest.slice(colon + 1) };
}

/**
 * OpenAI's encrypted reasoning as a client got it from OpenAI directly: a Fernet token, whose
 * version byte 0x80 and zero-led timestamp always encode as `gAAAAA`.
 */
export function isRawOpenAiReasoning(value: string): boolean {
  return value.startsWith('gAAAAA');
}

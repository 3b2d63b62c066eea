import type { TokenLogprob } from '../provider.ts';

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function bytesOf(value: unknown, token: string): number[] {
  return Array.isArray(value) && value.every((byte) => Number.isInteger(byte))
    ? (value as number[])
    : [...Buffer.from(token, 'utf8')];
}

/**
 * Token log probabilities as an upstream sent them (OpenAI's Responses deltas and Chat
 * Completions' `logprobs.content` share the shape), read defensively: entries without a token
 * and a number are left out; missing bytes are the token's UTF-8.
 */
export function readLogprobs(value: unknown): TokenLogprob[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): TokenLogprob[] => {
    const token = record(entry);
    if (typeof token?.token !== 'string' || typeof token.logprob !== 'number') return [];
    const top = Array.isArray(token.top_logprobs) ? token.top_logprobs : [];
    return [
      {
        token: token.token,
        logprob: token.logprob,
        bytes: bytesOf(token.bytes, token.token),
        top_logprobs: top.flatMap((alternative) => {
          const alt = record(alternative);
          return typeof alt?.token === 'string' && typeof alt.logprob === 'number'
            ? [{ token: alt.token, logprob: alt.logprob, bytes: bytesOf(alt.bytes, alt.token) }]
            : [];
        }),
      },
    ];
  });
}

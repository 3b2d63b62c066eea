import type { Sampling, Turn, Unsupported } from './provider.ts';

/** Each sampling setting under its wire name. */
const PARAMS: Record<keyof Sampling, string> = {
  temperature: 'temperature',
  topP: 'top_p',
  maxOutputTokens: 'max_output_tokens',
  seed: 'seed',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  stop: 'stop',
};

/** The sampling settings a turn sets that an upstream does not take: each changes the answer, so none is harmless. */
export function samplingUnsupported(
  turn: Pick<Turn, 'sampling'>,
  takes: ReadonlyArray<keyof Sampling>,
  upstream: string,
): Unsupported[] {
  return (Object.keys(PARAMS) as Array<keyof Sampling>)
    .filter((key) => turn.sampling[key] !== undefined && !takes.includes(key))
    .map((key) => ({ param: PARAMS[key], message: `${upstream} takes no ${PARAMS[key]}.` }));
}

/** Log probabilities asked for (`include` or `top_logprobs`) from an upstream that returns none: harmless, reported. */
export function logprobsUnsupported(
  turn: Pick<Turn, 'include' | 'topLogprobs'>,
  upstream: string,
): Unsupported[] {
  const asked = turn.include.includes('message.output_text.logprobs') || (turn.topLogprobs ?? 0) > 0;
  return asked
    ? [{ param: 'top_logprobs', message: `${upstream} returns no log probabilities.`, harmless: true }]
    : [];
}

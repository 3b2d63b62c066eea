import type { ChatCompletion, ChatStreamItem, ChatUsage } from '../../api/chat-completions.ts';
import { toApiError } from '../../api/errors.ts';
import type { ResponseStreamEvent } from '../../api/stream-events.ts';
import { finalResponse } from '../../engine/final-response.ts';
import { ChatChunkTranslator, chatChunks } from './chat-chunk-translator.ts';
import { toChatCompletion } from './to-chat-completion.ts';

/** A response's events: one choice. */
export interface Choice {
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>;
}

/** Starts the response of one more choice: the same request again. */
export type StartChoice = () => Promise<Choice>;

function sum(usages: readonly ChatUsage[]): ChatUsage {
  const total = (pick: (usage: ChatUsage) => number) => usages.reduce((acc, usage) => acc + pick(usage), 0);
  return {
    prompt_tokens: total((u) => u.prompt_tokens),
    completion_tokens: total((u) => u.completion_tokens),
    total_tokens: total((u) => u.total_tokens),
    prompt_tokens_details: { cached_tokens: total((u) => u.prompt_tokens_details.cached_tokens) },
    completion_tokens_details: {
      reasoning_tokens: total((u) => u.completion_tokens_details.reasoning_tokens),
    },
  };
}

/**
 * `n` choices as one chat.completion: each choice is a response of its own, run one after
 * another; the answer carries the first one's id and the usage of all.
 */
export async function chatCompletion(
  first: Choice,
  start: StartChoice,
  n: number,
  logprobs = false,
): Promise<ChatCompletion> {
  const completions = [toChatCompletion(await finalResponse(first.events), logprobs)];
  while (completions.length < n)
    completions.push(toChatCompletion(await finalResponse((await start()).events), logprobs));
  return {
    ...completions[0]!,
    choices: completions.map((completion, index) => ({ ...completion.choices[0]!, index })),
    usage: sum(completions.map((completion) => completion.usage)),
  };
}

/**
 * `n` choices as one chunk stream: every chunk of choice 0, then of choice 1, ... (clients
 * merge by `index`), and with `include_usage` one usage chunk for all of them at the end. A
 * choice that fails ends the stream with its error.
 */
export async function* chatCompletionChunks(
  first: Choice,
  start: StartChoice,
  n: number,
  includeUsage: boolean,
  logprobs = false,
): AsyncGenerator<ChatStreamItem, void, undefined> {
  const usages: ChatUsage[] = [];
  let last: ChatChunkTranslator | undefined;
  for (let index = 0; index < n; index++) {
    let started: Choice;
    try {
      started = index === 0 ? first : await start();
    } catch (error) {
      yield toApiError(error).toJSON();
      return;
    }
    last = new ChatChunkTranslator(includeUsage, index, false, logprobs);
    for await (const item of chatChunks(started.events, last)) {
      yield item;
      if ('error' in item) return;
    }
    if (last.usage) usages.push(last.usage);
  }
  if (includeUsage && last) yield last.usageOnly(sum(usages));
}

import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { envelope } from '../api/workers-ai-envelope.ts';
import { chatCompletion, chatCompletionChunks, type StartChoice } from './chat/chat-choices.ts';
import { chatParam } from './chat/map-error-param.ts';
import { chatSseText } from './chat/chat-sse.ts';
import { finalResponse } from '../engine/final-response.ts';
import { messagesParam } from './anthropic-messages/messages-param.ts';
import { messagesSseText } from './anthropic-messages/messages-sse.ts';
import { toAnthropicMessage } from './anthropic-messages/to-anthropic-message.ts';
import { eventText, type EventText } from '../stream/event-stream.ts';
import { sseText } from '../stream/response-sse.ts';
import { runFrames, toRunResult } from './workers-ai/run-output.ts';
import type { AnswerFormat, ParsedStep } from './parse-step.ts';

/** An answer's body: a JSON value, or the text of a server-sent event stream. */
export type AnswerBody = { json: unknown } | { stream: EventText };

/**
 * The events of an answer in its step's wire format: folded to the JSON answer, or encoded
 * as that format's event stream (cancelling it calls `onCancel`, which stops generation).
 */
export async function answerBody(
  parsed: ParsedStep,
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
  onCancel: () => void,
  /** Another answer to the same request: Chat Completions' `n` choices after the first. */
  more: StartChoice = () => Promise.reject(new Error('one choice only')),
): Promise<AnswerBody> {
  const { format, stream } = parsed;
  switch (format.kind) {
    case 'responses': {
      if (stream) return { stream: sseText(events, onCancel) };
      const response = await finalResponse(events);
      return { json: format.envelope ? envelope(response) : response };
    }
    case 'chat': {
      const n = format.chat.n ?? 1;
      const logprobs = format.chat.logprobs === true;
      if (!stream) return { json: await chatCompletion({ events }, more, n, logprobs) };
      const includeUsage = format.chat.stream_options?.include_usage === true;
      const chunks = chatCompletionChunks({ events }, more, n, includeUsage, logprobs);
      return { stream: chatSseText(chunks, onCancel) };
    }
    case 'anthropic': {
      if (stream) return { stream: messagesSseText(events, format.model, onCancel) };
      return { json: toAnthropicMessage(await finalResponse(events), format.model) };
    }
    case 'workers-ai': {
      if (stream) return { stream: eventText(runFrames(events), (frame) => frame, onCancel) };
      const result = toRunResult(await finalResponse(events));
      return { json: format.envelope ? envelope(result) : result };
    }
  }
}

/**
 * A warning starts with the Responses parameter it is about; a chat or Messages API client
 * reads its own name for it.
 */
export function warningInTerms(format: AnswerFormat, warning: string): string {
  if (format.kind !== 'chat' && format.kind !== 'anthropic') return warning;
  const [param = '', ...rest] = warning.split(': ');
  if (!/^[a-z_]+(\[\d+\]|\.[a-z_]+)*$/.test(param)) return warning;
  const named =
    format.kind === 'chat'
      ? chatParam(param, format.chat, format.origins)
      : messagesParam(param, format.origins);
  return [named, ...rest].join(': ');
}

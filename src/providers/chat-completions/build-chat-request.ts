import type { Turn } from '../provider.ts';
import { buildChatMessages } from './build-chat-messages.ts';
import { buildChatTools } from './build-chat-tools.ts';
import { chatResponseFormat } from './chat-response-format.ts';
import type { ChatRequest } from './chat-wire.ts';
import type { ChatPreset } from './presets.ts';

export interface ChatTranslation {
  body: ChatRequest;
  /** Custom tools travel as functions; their calls are read back as custom calls. */
  customToolNames: Set<string>;
  /** What could not be sent, for the log: harmless to the answer, never thrown. */
  warnings: string[];
}

/** A turn as one Chat Completions request (streamed when the turn is), shaped by the upstream's preset. */
export function buildChatRequest(turn: Turn, preset: ChatPreset): ChatTranslation {
  const { messages, warnings } = buildChatMessages(turn.instructions, turn.items, preset);
  const tools = buildChatTools(turn.tools, turn.toolChoice, turn.parallelToolCalls);
  warnings.push(...tools.warnings);

  const body: ChatRequest = {
    model: turn.model.upstreamModel,
    messages,
    stream: turn.stream,
    ...(turn.stream && preset.supportsStreamUsage ? { stream_options: { include_usage: true } } : {}),
    ...tools.fields,
  };
  const responseFormat = chatResponseFormat(turn.text);
  if (responseFormat) body.response_format = responseFormat;

  const effort = turn.reasoning?.effort;
  if (effort) {
    if (preset.reasoningEffort === 'reasoning_effort') body.reasoning_effort = effort;
    else if (preset.reasoningEffort === 'reasoning_object') body.reasoning = { effort };
    else warnings.push('reasoning.effort: this upstream takes no reasoning effort; it was not sent');
  }

  const { maxOutputTokens, temperature, topP, seed, presencePenalty, frequencyPenalty, stop } = turn.sampling;
  if (maxOutputTokens !== undefined) body[preset.maxTokensField] = maxOutputTokens;
  if (temperature !== undefined) body.temperature = temperature;
  if (topP !== undefined) body.top_p = topP;
  if (seed !== undefined) body.seed = seed;
  if (presencePenalty !== undefined) body.presence_penalty = presencePenalty;
  if (frequencyPenalty !== undefined) body.frequency_penalty = frequencyPenalty;
  if (stop?.length) body.stop = stop;
  if (turn.include.includes('message.output_text.logprobs') || turn.topLogprobs) {
    body.logprobs = true;
    if (turn.topLogprobs) body.top_logprobs = turn.topLogprobs;
  }
  if (turn.text.verbosity) body.verbosity = turn.text.verbosity;

  for (const param of preset.dropParams) {
    if (param in body) {
      delete (body as unknown as Record<string, unknown>)[param];
      warnings.push(`${param}: not supported by this upstream (preset '${preset.name}'); it was not sent`);
    }
  }
  return { body, customToolNames: tools.customToolNames, warnings };
}

import { serverError } from '../../api/errors.ts';

/**
 * The quirks of one family of OpenAI-compatible servers. A new compatible upstream is a
 * config entry naming one of these, never a new module.
 */
export interface ChatPreset {
  name: string;
  /** Where the server usually listens, for a config entry that gives no base URL. */
  defaultBaseUrl?: string;
  /** The role instructions are sent with. */
  instructionsRole: 'system' | 'developer';
  /** Whether `developer` messages keep their role; otherwise they become `system`. */
  supportsDeveloperRole: boolean;
  /** The field `max_output_tokens` is sent as. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Whether to ask for a final usage chunk with `stream_options.include_usage`. */
  supportsStreamUsage: boolean;
  /** The delta field that carries reasoning; unset reads `reasoning_content`, then `reasoning`. */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** How `reasoning.effort` is sent: `reasoning_effort`, OpenRouter's `reasoning: {effort}`, or not at all. */
  reasoningEffort: 'reasoning_effort' | 'reasoning_object' | 'omit';
  /** Top-level request fields the server rejects; removed before sending. */
  dropParams: readonly string[];
  /** Workers AI: model-name prefixes served through `ai/run/{model}` instead of the OpenAI-compatible route. */
  runRouteModelPrefixes?: readonly string[];
}

const base: Omit<ChatPreset, 'name'> = {
  instructionsRole: 'system',
  supportsDeveloperRole: false,
  maxTokensField: 'max_completion_tokens',
  supportsStreamUsage: true,
  reasoningEffort: 'reasoning_effort',
  dropParams: ['verbosity'],
};

const table: ChatPreset[] = [
  { ...base, name: 'openai-compatible' },
  {
    ...base,
    name: 'openai',
    defaultBaseUrl: 'https://api.openai.com/v1',
    instructionsRole: 'developer',
    supportsDeveloperRole: true,
    dropParams: [],
  },
  { ...base, name: 'vllm', defaultBaseUrl: 'http://localhost:8000/v1' },
  {
    ...base,
    name: 'llamacpp',
    defaultBaseUrl: 'http://localhost:8080/v1',
    maxTokensField: 'max_tokens',
    reasoningField: 'reasoning_content',
  },
  {
    ...base,
    name: 'ollama',
    defaultBaseUrl: 'http://localhost:11434/v1',
    maxTokensField: 'max_tokens',
    reasoningField: 'reasoning',
  },
  { ...base, name: 'lmstudio', defaultBaseUrl: 'http://localhost:1234/v1', maxTokensField: 'max_tokens' },
  { ...base, name: 'groq', defaultBaseUrl: 'https://api.groq.com/openai/v1', reasoningField: 'reasoning' },
  {
    ...base,
    name: 'together',
    defaultBaseUrl: 'https://api.together.xyz/v1',
    maxTokensField: 'max_tokens',
  },
  {
    ...base,
    name: 'openrouter',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    maxTokensField: 'max_tokens',
    reasoningField: 'reasoning',
    reasoningEffort: 'reasoning_object',
  },
  {
    ...base,
    name: 'deepseek',
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    maxTokensField: 'max_tokens',
    reasoningField: 'reasoning_content',
    reasoningEffort: 'omit',
  },
  {
    ...base,
    name: 'workers-ai',
    maxTokensField: 'max_tokens',
    runRouteModelPrefixes: ['@hf/'],
  },
];

export const CHAT_PRESETS: ReadonlyMap<string, ChatPreset> = new Map(
  table.map((preset) => [preset.name, preset]),
);

export const DEFAULT_CHAT_PRESET = 'openai-compatible';

/** The preset a config entry names (the generic one when it names none); the config checks names against CHAT_PRESETS. */
export function chatPreset(name: string | undefined): ChatPreset {
  const preset = CHAT_PRESETS.get(name ?? DEFAULT_CHAT_PRESET);
  if (!preset) {
    const known = [...CHAT_PRESETS.keys()].join(', ');
    throw serverError(`Unknown chat-completions preset '${name}'; known presets: ${known}.`);
  }
  return preset;
}

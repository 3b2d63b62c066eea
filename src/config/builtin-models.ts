import type { CatalogModel } from '../catalog/catalog-model.ts';

/**
 * Models in the catalog without any config: Portico's reference model, as Cloudflare lists it
 * (Text Generation, OpenAI, proxied, 1,000,000-token context window). A config entry with the
 * same id overrides any of these fields.
 */
export const BUILTIN_MODELS: readonly CatalogModel[] = [
  {
    id: 'openai/gpt-5.4-pro',
    provider: 'openai',
    upstreamModel: 'gpt-5.4-pro',
    task: 'Text Generation',
    ownedBy: 'OpenAI',
    proxied: true,
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    // OpenAI's list price for prompts up to 272K tokens; longer prompts cost 2x input and 1.5x output.
    pricing: { input: 30, output: 180 },
    capabilities: {
      tools: true,
      vision: true,
      structuredOutput: true,
      reasoningEfforts: ['medium', 'high', 'xhigh'],
    },
    description:
      "OpenAI's GPT-5.4 pro through the Responses API, with built-in tools, improved reasoning and " +
      'stateful context management.',
  },
];

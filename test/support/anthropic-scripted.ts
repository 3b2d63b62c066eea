import Anthropic from '@anthropic-ai/sdk';
import { encodeThinking } from '../../src/providers/anthropic/thinking-signature.ts';
import type { ModelEvent, Turn } from '../../src/providers/provider.ts';
import { anthropicClient } from './anthropic-messages.ts';
import { startGateway, type GatewayUnderTest } from './gateway-server.ts';
import { scriptedModel, ScriptedProvider, textAndTwoCalls } from './scripted-provider.ts';

// The Messages API over a scripted provider, with the official Anthropic SDK as the client.
// (SDK 1.10.0 has dropped temperature, top_p and top_k from its types; tests cast to send them.)

/** What the scripted model answers next: a test sets `script.next` before its request. */
export const script: { next: (turn: Turn) => Array<ModelEvent | Error> } = { next: () => [] };
const scripted = new ScriptedProvider((turn) => script.next(turn));
/** The last turn the scripted model was given. */
export const lastTurn = () => scripted.turns.at(-1)!;

/** A gateway serving the scripted model as `test/scripted` and `anthropic/claude-test`, and an SDK client of it. */
export async function startScriptedGateway(): Promise<{ gateway: GatewayUnderTest; client: Anthropic }> {
  const gateway = await startGateway({
    models: [scriptedModel('test/scripted', 'scripted'), scriptedModel('anthropic/claude-test', 'scripted')],
    providers: new Map([['scripted', scripted]]),
  });
  return { gateway, client: anthropicClient(gateway.url) };
}

export const THOUGHT = { type: 'thinking' as const, thinking: 'Paris first.', signature: 'sig-paris' };

/** Thinking with its signature, text, then two tool calls. */
export const thinkThenCall = (): ModelEvent[] => [
  { type: 'reasoning-delta', delta: 'Paris ', part: 'content' },
  { type: 'reasoning-delta', delta: 'first.', part: 'content' },
  { type: 'reasoning-encrypted', encryptedContent: encodeThinking([THOUGHT]) },
  ...textAndTwoCalls(),
  {
    type: 'usage',
    usage: { inputTokens: 30, outputTokens: 14, cachedInputTokens: 10, cacheWriteTokens: 5 },
  },
  { type: 'finish', reason: 'tool-calls' },
];

export const sunny = (): ModelEvent[] => [
  { type: 'text-delta', delta: 'Sunny.' },
  { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
  { type: 'finish', reason: 'stop' },
];

export const tools: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Weather',
    input_schema: { type: 'object', properties: { city: { type: 'string' } } },
  },
  { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } },
];
export const ask = {
  model: 'test/scripted',
  max_tokens: 4000,
  messages: [{ role: 'user' as const, content: 'Weather and time in Paris?' }],
  tools,
};

export const expectedContent = [
  THOUGHT,
  { type: 'text', text: 'Let me check.' },
  { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
  { type: 'tool_use', id: 'call_b', name: 'get_time', input: { tz: 'CET' } },
];

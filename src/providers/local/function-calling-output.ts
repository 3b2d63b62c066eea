import type { ChatModelFunctions } from 'node-llama-cpp';
import type { ModelEvent } from '../provider.ts';
import type { ChatOutput } from './chat-output.ts';
import { JsonWhitespaceFilter } from './json-whitespace-filter.ts';
import { mapStopReason } from './map-stop-reason.ts';
import type { LocalTool } from './select-local-tools.ts';

/** A custom tool offered as a function takes its input as this one string parameter. */
export const CUSTOM_INPUT_PARAMS = {
  type: 'object',
  properties: { input: { type: 'string' } },
} as const;

interface Call {
  callId: string;
  custom: boolean;
  filter: JsonWhitespaceFilter;
  /** Parameter text so far (kept for custom tools, whose input is sent once it is complete). */
  params: string;
  sentArguments: boolean;
  ended: boolean;
}

function customInput(params: string): string {
  try {
    const value: unknown = JSON.parse(params);
    const input = (value as { input?: unknown } | null)?.input;
    return typeof input === 'string' ? input : '';
  } catch {
    return '';
  }
}

/** The functions node-llama-cpp offers the model: custom tools take one string, `input`. */
export function offeredFunctions(tools: readonly LocalTool[]): ChatModelFunctions {
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of tools) {
    const description = tool.kind === 'custom' ? customDescription(tool) : tool.description;
    const params = tool.kind === 'custom' ? CUSTOM_INPUT_PARAMS : tool.schema ? tool.parameters : undefined;
    functions[tool.name] = { ...(description ? { description } : {}), ...(params ? { params } : {}) };
  }
  return functions;
}

function customDescription(tool: Extract<LocalTool, { kind: 'custom' }>): string {
  const format =
    tool.format?.type === 'grammar'
      ? `The input must match this ${tool.format.syntax} grammar:\n${tool.format.definition}`
      : 'The input is free-form text.';
  return [tool.description, format].filter(Boolean).join('\n');
}

/**
 * Text with calls in the chat template's own syntax (node-llama-cpp function calling, which
 * constrains a call's name and parameters with its grammar once the model starts one). Text
 * streams as text; a function call starts with its first parameter chunk and its arguments
 * stream as compact JSON; a custom tool's input is sent whole when its call is complete.
 */
export function functionCallingOutput(
  tools: readonly LocalTool[],
  parallel: boolean,
  newCallId: () => string,
): ChatOutput {
  const customs = new Set(tools.filter((tool) => tool.kind === 'custom').map((tool) => tool.name));
  const calls: Call[] = [];
  const start = (index: number, name: string, events: ModelEvent[]): Call => {
    let call = calls[index];
    if (!call) {
      const custom = customs.has(name);
      call = {
        callId: newCallId(),
        custom,
        filter: new JsonWhitespaceFilter(),
        params: '',
        sentArguments: false,
        ended: false,
      };
      calls[index] = call;
      events.push({
        type: 'tool-call-start',
        callId: call.callId,
        name,
        kind: custom ? 'custom' : 'function',
      });
    }
    return call;
  };
  const end = (call: Call, events: ModelEvent[]) => {
    const delta = call.custom ? customInput(call.params) : call.sentArguments ? '' : '{}';
    if (delta !== '') events.push({ type: 'tool-call-delta', callId: call.callId, delta });
    events.push({ type: 'tool-call-end', callId: call.callId });
    call.ended = true;
  };
  return {
    grammar: undefined,
    functions: { functions: offeredFunctions(tools), maxParallelFunctionCalls: parallel ? undefined : 1 },
    onText: (delta) => [{ type: 'text-delta', delta }],
    onFunctionCallParams(chunk) {
      const events: ModelEvent[] = [];
      const call = start(chunk.callIndex, chunk.functionName, events);
      if (call.custom) call.params += chunk.paramsChunk;
      else {
        const delta = call.filter.push(chunk.paramsChunk);
        if (delta !== '') events.push({ type: 'tool-call-delta', callId: call.callId, delta });
        call.sentArguments ||= delta !== '';
      }
      if (chunk.done) end(call, events);
      return events;
    },
    finish(response) {
      const events: ModelEvent[] = [];
      (response.functionCalls ?? []).forEach((done, index) => {
        const fresh = !calls[index];
        const call = start(index, done.functionName, events);
        if (fresh) call.params = JSON.stringify(done.params ?? {});
        if (fresh && !call.custom) {
          events.push({ type: 'tool-call-delta', callId: call.callId, delta: call.params });
          call.sentArguments = true;
        }
        if (!call.ended) end(call, events);
      });
      const called = (response.functionCalls?.length ?? 0) > 0;
      return { events, reason: called ? 'tool-calls' : mapStopReason(response.metadata.stopReason) };
    },
  };
}

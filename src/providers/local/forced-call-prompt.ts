import type { ChatHistoryItem } from 'node-llama-cpp';
import type { LocalTool } from './select-local-tools.ts';

function describe(tool: LocalTool): string {
  const about = tool.description ? `: ${tool.description}` : '';
  if (tool.kind === 'function')
    return `- ${tool.name}${about}\n  Arguments (JSON schema): ${JSON.stringify(tool.schema ?? { type: 'object', properties: {} })}`;
  const input =
    tool.format?.type === 'grammar'
      ? `text matching this ${tool.format.syntax} grammar:\n${tool.format.definition}`
      : 'free-form text';
  return `- ${tool.name} (custom tool)${about}\n  Input: ${input}`;
}

/**
 * What the model is told when a call is forced: the tools, and the exact shape the grammar
 * (forced-call-gbnf.ts) will hold it to, so that a model that follows instructions writes
 * the call it means rather than merely one that fits.
 */
export function forcedCallInstructions(tools: readonly LocalTool[], parallel: boolean): string {
  const lines = ['Answer with a tool call and nothing else.'];
  if (tools.some((tool) => tool.kind === 'function'))
    lines.push(
      parallel
        ? 'Write one or more calls as a JSON array: [{"name": "<tool name>", "arguments": {<arguments>}}, ...].'
        : 'Write the call as JSON: {"name": "<tool name>", "arguments": {<arguments>}}.',
    );
  if (tools.some((tool) => tool.kind === 'custom'))
    lines.push(
      'To call a custom tool, write {"name": "<tool name>"} on one line, then its input as plain text.',
    );
  lines.push('Tools:', ...tools.map(describe));
  return lines.join('\n');
}

/** Adds system text to a chat history: into its opening system message, or as a new one. */
export function addSystemText(history: ChatHistoryItem[], text: string): void {
  const first = history[0];
  if (first?.type === 'system' && typeof first.text === 'string') first.text += `\n\n${text}`;
  else history.unshift({ type: 'system', text });
}

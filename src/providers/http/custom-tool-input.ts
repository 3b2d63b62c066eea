import type { CustomTool } from '../../api/tools.ts';

/**
 * Upstreams that only know function tools get a custom tool as a function of one string
 * argument, `input`. Their arguments stream as JSON, so the raw input is decoded once the
 * call ends rather than streamed: a half-received JSON string cannot be decoded safely.
 */
export function customToolParameters(): Record<string, unknown> {
  return {
    type: 'object',
    properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
    required: ['input'],
    additionalProperties: false,
  };
}

/** The tool's description, with its grammar spelled out when it has one (the upstream cannot enforce it). */
export function customToolDescription(tool: CustomTool): string | undefined {
  const format = tool.format;
  if (!format || format.type !== 'grammar') return tool.description ?? undefined;
  const rule = `The input must match this ${format.syntax} grammar:\n${format.definition}`;
  return tool.description ? `${tool.description}\n\n${rule}` : rule;
}

/** A custom call from the history, as the function arguments the upstream would have sent. */
export function encodeCustomToolInput(input: string): string {
  return JSON.stringify({ input });
}

/** The raw input out of streamed arguments; arguments that are not `{"input": string}` pass as they are. */
export function decodeCustomToolInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && 'input' in parsed) {
      const input = (parsed as { input: unknown }).input;
      if (typeof input === 'string') return input;
    }
  } catch {
    // Not JSON: the model wrote the input directly.
  }
  return args;
}

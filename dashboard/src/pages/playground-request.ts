/** The playground's settings, as typed into its form. */
export interface PlaygroundSettings {
  /** '': the stored prompt's own model (when a prompt is chosen and names one). */
  model: string;
  /** A stored prompt's id; '' for none. */
  prompt: string;
  /** '' for its latest version. */
  promptVersion: string;
  instructions: string;
  temperature: string;
  maxOutputTokens: string;
  effort: string;
  tools: string;
  schema: string;
}

export const DEFAULT_SETTINGS: PlaygroundSettings = {
  model: '',
  prompt: '',
  promptVersion: '',
  instructions: '',
  temperature: '',
  maxOutputTokens: '',
  effort: '',
  tools: '',
  schema: '',
};

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A CreateResponse request from the settings and the message; the chain continues from
 * `previous`. With a stored prompt, the variables filled in are sent (one left empty keeps its
 * default), and the message may be empty: the prompt's messages may be all there is.
 */
export function playgroundRequest(
  settings: PlaygroundSettings,
  input: string,
  previous: string | undefined,
  variables: Record<string, string> = {},
): Record<string, unknown> {
  const request: Record<string, unknown> = { store: true };
  if (settings.model) request.model = settings.model;
  if (input.trim() || !settings.prompt) request.input = input;
  if (settings.prompt) {
    const filled = Object.fromEntries(Object.entries(variables).filter(([, value]) => value !== ''));
    request.prompt = {
      id: settings.prompt,
      ...(settings.promptVersion ? { version: settings.promptVersion } : {}),
      ...(Object.keys(filled).length ? { variables: filled } : {}),
    };
  }
  if (previous) request.previous_response_id = previous;
  if (settings.instructions.trim()) request.instructions = settings.instructions;
  if (settings.temperature !== '') request.temperature = Number(settings.temperature);
  if (settings.maxOutputTokens !== '') request.max_output_tokens = Number(settings.maxOutputTokens);
  if (settings.effort) request.reasoning = { effort: settings.effort };
  if (settings.tools.trim()) request.tools = parseJson(settings.tools, 'Tools');
  if (settings.schema.trim())
    request.text = {
      format: {
        type: 'json_schema',
        name: 'output',
        strict: true,
        schema: parseJson(settings.schema, 'The schema'),
      },
    };
  return request;
}

/** The playground's settings, as typed into its form. */
export interface PlaygroundSettings {
  model: string;
  instructions: string;
  temperature: string;
  maxOutputTokens: string;
  effort: string;
  tools: string;
  schema: string;
}

export const DEFAULT_SETTINGS: PlaygroundSettings = {
  model: '',
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

/** A CreateResponse request from the settings and the message; the chain continues from `previous`. */
export function playgroundRequest(
  settings: PlaygroundSettings,
  input: string,
  previous: string | undefined,
): Record<string, unknown> {
  const request: Record<string, unknown> = { model: settings.model, input, store: true };
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

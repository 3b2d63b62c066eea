import type { z } from 'zod';

/**
 * A model's call arguments checked against what the tool asked for. Models (a small local one
 * above all) write broken JSON or the wrong fields: that is an answer the model should read and
 * correct, never an error of the response.
 */
export function parseArguments<S extends z.ZodType>(
  schema: S,
  text: string,
): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `The arguments were not valid JSON: ${text.slice(0, 200)}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `'${issue.path.join('.')}'` : 'the arguments';
  return { ok: false, error: `Invalid arguments: ${where} ${issue.message}.` };
}

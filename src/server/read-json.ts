import { badRequest } from '../api/errors.ts';

/** The request body as JSON, or a 400 saying why it is not. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) throw badRequest(null, 'The request body is empty: send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(null, 'The request body is not valid JSON.', 'invalid_json');
  }
}

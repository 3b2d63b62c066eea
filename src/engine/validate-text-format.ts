import type { TextConfig } from '../api/request.ts';
import { assertStrictSchema } from './check-strict-schema.ts';

/**
 * The request's `text` as the turn carries it (`format` defaults to plain text). A strict
 * `json_schema` format must keep strict mode's rules, on every provider; without `strict` the
 * schema is a hint and only has to be an object, which the wire schema already checked.
 */
export function validateTextFormat(text: TextConfig | null | undefined): TextConfig {
  const format = text?.format ?? { type: 'text' as const };
  if (format.type === 'json_schema' && format.strict === true)
    assertStrictSchema(format.schema, {
      param: 'text.format.schema',
      subject: `response format '${format.name}'`,
      code: 'invalid_json_schema',
    });
  return { ...text, format };
}

import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';

/** ajv with the string formats the example schemas use. */
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addFormat('date', /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
ajv.addFormat('time', /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/);
ajv.addFormat(
  'date-time',
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/,
);

/** Parses JSON text and checks it against a schema with ajv, failing with ajv's errors. */
export function assertMatches(text: string, schema: object, label: string): unknown {
  const value: unknown = JSON.parse(text);
  const validate = ajv.compile(schema);
  assert.ok(
    validate(value),
    `${label}: ${JSON.stringify(value)} breaks the schema: ${ajv.errorsText(validate.errors)}`,
  );
  return value;
}

// Not strict: optional properties, open objects, string formats and tuples.
export const LOOSE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    when: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    tags: { type: 'array', prefixItems: [{ const: 'v1' }, { type: 'boolean' }], items: false },
    extra: { type: 'object', properties: { a: { type: 'string', maxLength: 4 } } },
    shape: {
      oneOf: [
        {
          type: 'object',
          properties: { kind: { const: 'circle' }, r: { type: 'number' } },
          required: ['kind', 'r'],
        },
        {
          type: 'object',
          properties: { kind: { const: 'square' }, side: { type: 'integer' } },
          required: ['kind', 'side'],
        },
      ],
    },
  },
  required: ['id'],
};

import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Validates bodies against OpenAI's published schema in ../shared/openai-openapi, with the
 * patches its README documents (the spec's own defects), and checks key sets separately
 * because the schemas never forbid extra fields.
 */
const specPath = fileURLToPath(
  new URL('../../../shared/openai-openapi/responses.openapi.json', import.meta.url),
);
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
  components: { schemas: Record<string, unknown> };
};

type Properties = { properties: Record<string, unknown> };
const schemas = spec.components.schemas as Record<string, Properties & { allOf?: Properties[] }>;
/** A property that the spec gives one type and the API (and Open Responses, which requires the key) also sets to null. */
function nullable(owner: Properties, name: string): void {
  owner.properties[name] = { anyOf: [owner.properties[name], { type: 'null' }] };
}
// The README's documented quirk: OpenAI's own examples send `user: null`, which Open Responses requires.
nullable(schemas.ModelResponseProperties!, 'user');
// Open Responses requires `usage` on every Response, null until it ends, as OpenAI streams `response.created`.
nullable(
  schemas.Response!.allOf!.find((part) => part.properties?.usage)!,
  'usage',
);

const ajv = new Ajv2020.default({ strict: false, allErrors: false, validateFormats: false });
ajv.addSchema({ $id: 'openai', components: spec.components }, 'openai');

const compiled = new Map<string, ValidateFunction>();

export function validator(name: string): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `openai#/components/schemas/${name}` });
    compiled.set(name, validate);
  }
  return validate;
}

/** Throws with ajv's errors when `value` does not match the named component schema. */
export function assertMatchesSchema(name: string, value: unknown): void {
  const validate = validator(name);
  if (!validate(value)) {
    throw new Error(
      `${name} does not match the OpenAI schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`,
    );
  }
}

export const schemaNames = Object.keys(spec.components.schemas);

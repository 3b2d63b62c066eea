import { z } from 'zod';
import { CreateResponseRequest } from '../../api/request.ts';
import { ResponseObject } from '../../api/response.ts';
import { RunTextInput } from './run-input.ts';
import { RunTextResult } from './run-output.ts';

/**
 * A text generation model's input and output JSON Schemas, as `GET …/ai/models/schema`
 * answers them: generated from the same zod schemas that check every request, so they
 * cannot drift. Every model takes a Responses request or Workers AI's `prompt` / `messages`.
 * Generated at the first request for them, not at start.
 */
let generated: ReturnType<typeof generate> | undefined;
export const textGenerationSchemas = () => (generated ??= generate());

function generate() {
  const options = { unrepresentable: 'any' } as const;
  const strip = ({ $schema: _schema, ...rest }: Record<string, unknown>) => rest;
  return {
    input: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      anyOf: [
        strip(z.toJSONSchema(CreateResponseRequest.omit({ model: true }), { ...options, io: 'input' })),
        strip(z.toJSONSchema(RunTextInput, { ...options, io: 'input' })),
      ],
    },
    output: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      anyOf: [
        strip(z.toJSONSchema(ResponseObject, { ...options, io: 'output' })),
        strip(z.toJSONSchema(RunTextResult, { ...options, io: 'output' })),
      ],
    },
  };
}

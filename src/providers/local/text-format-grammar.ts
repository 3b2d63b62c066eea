import type { GbnfJsonSchema, Llama, LlamaGrammar } from 'node-llama-cpp';
import { badRequest } from '../../api/errors.ts';
import type { TextConfig } from '../../api/request.ts';

/**
 * The grammar that constrains sampling to the requested output format: any JSON value for
 * `json_object`, the schema's shape for `json_schema` (node-llama-cpp's JSON-schema subset:
 * type, properties, required, additionalProperties, items, prefixItems, enum, const, oneOf,
 * $ref/$defs, string formats and length/count bounds; other keywords, such as `anyOf` or
 * `pattern`, are not enforced). None for plain text.
 */
export async function textFormatGrammar(
  llama: Llama,
  format: TextConfig['format'],
): Promise<LlamaGrammar | undefined> {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return llama.getGrammarFor('json');
  try {
    return await llama.createGrammarForJsonSchema<GbnfJsonSchema>(format.schema as GbnfJsonSchema);
  } catch (error) {
    const reason = error instanceof Error ? `: ${error.message}` : '';
    throw badRequest(
      'text.format.schema',
      `Local models cannot constrain their output to this JSON schema${reason}`,
      'invalid_json_schema',
    );
  }
}

import type { GbnfJsonSchema, Llama } from 'node-llama-cpp';

/**
 * node-llama-cpp's number rules allow exponents of up to 16 digits: `1e-5` passes as an
 * "integer" and `1e999999` parses to Infinity, which no JSON Schema number matches. These
 * rules keep its digit limits and leave exponents out, so every number parses to a finite
 * value of the right kind.
 */
const NUMBER_RULES: Record<string, string> = {
  'integer-number-rule': '"-"? ("0" | [1-9] [0-9]{0,15})',
  'fractional-number-rule': '"-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})?',
};

/**
 * node-llama-cpp ends its JSON grammars with four newlines and a stop trigger on them; without
 * them the grammar is complete right after the value, so the model can only end its turn.
 */
const NEWLINE_TRAILER = ' "\\n\\n\\n\\n" [\\n]*';

/**
 * The GBNF text of node-llama-cpp's grammar for a JSON schema (already in its subset, see
 * json-schema-subset.ts), with exponent-free number rules and no newline trailer. Its root rule
 * is `root`; the other rule names are node-llama-cpp's (`rule0`, `val0`, `def0`, `*-rule`).
 */
export async function jsonSchemaGbnf(llama: Llama, schema: GbnfJsonSchema): Promise<string> {
  const grammar = await llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema);
  return grammar.grammar
    .split('\n')
    .map((line) => {
      const name = line.slice(0, line.indexOf(' ::= '));
      if (name === 'root' && line.endsWith(NEWLINE_TRAILER)) return line.slice(0, -NEWLINE_TRAILER.length);
      const rule = NUMBER_RULES[name];
      return rule === undefined ? line : `${name} ::= ${rule}`;
    })
    .join('\n');
}

import { badRequest } from '../../api/errors.ts';
import type { CustomTool } from '../../api/tools.ts';
import { UnsupportedGrammar } from './gbnf-text.ts';
import { larkToGbnf, type GbnfRuleSet } from './lark-to-gbnf.ts';
import { regexToGbnf } from './regex-to-gbnf.ts';

/** Any text at all (GBNF's `.` matches every character, line breaks included). */
const FREE_TEXT: GbnfRuleSet = { rules: [], root: '.*' };

/**
 * The GBNF that a custom tool's input must match: any text for the `text` format (or none),
 * the converted grammar for `grammar` formats. Rule names start with `prefix`. A grammar that
 * cannot be converted is a 400 naming `param` and the feature.
 */
export function customToolGbnf(format: CustomTool['format'], prefix: string, param: string): GbnfRuleSet {
  if (!format || format.type === 'text') return FREE_TEXT;
  try {
    if (format.syntax === 'lark') return larkToGbnf(format.definition, prefix);
    return { rules: [], root: `( ${regexToGbnf(format.definition).gbnf} )` };
  } catch (error) {
    if (!(error instanceof UnsupportedGrammar)) throw error;
    throw badRequest(
      param,
      `Local models cannot enforce this ${format.syntax} grammar: it uses ${error.message}. See docs/structured-outputs.md for the ${format.syntax} subset that converts.`,
      'unsupported_grammar',
    );
  }
}

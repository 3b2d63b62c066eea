import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';

/** What ajv asks of a regular-expression engine (its `code.regExp` option). */
export interface RegExpEngine {
  (pattern: string, flags: string): { test(text: string): boolean; toString(): string };
  /** How ajv's standalone code would name it; unused here, where ajv compiles in process. */
  code: string;
}

let re2: typeof RE2JSClass | undefined;

/**
 * The engine for a client's JSON-schema `pattern`s, run over what a model wrote: RE2 (re2js, a
 * pure JavaScript port), whose time grows with the text's length alone. V8's own engine
 * backtracks: a pattern such as `^(a+)+$` over 30 characters of a model's answer held the event
 * loop for seconds, every tenant's requests with it. A pattern RE2 cannot read (lookarounds,
 * backreferences) keeps V8's engine, as before. re2js loads at the first pattern.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    re2 ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
    let compiled: RE2JSClass;
    try {
      compiled = re2.compile(pattern);
    } catch {
      return new RegExp(pattern, flags);
    }
    // ajv keys the patterns it keeps by their `toString()`: one per pattern, as a RegExp's is.
    return {
      test: (text: string) => compiled.matcher(text).find(),
      toString: () => `re2:/${pattern}/${flags}`,
    };
  },
  { code: 'linearRegExp' },
);

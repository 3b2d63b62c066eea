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
 * What in a (valid JavaScript) pattern only a backtracking engine can run, or undefined: a
 * lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) or a backreference (`\1`, `\k<name>`), found
 * outside character classes. RE2 would refuse the first and misread `\k<name>` as text.
 */
function backtrackingConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at];
    if (char === '\\') {
      const next = pattern[++at] ?? '';
      if (!inClass && (next === 'k' || (next >= '1' && next <= '9'))) return 'a backreference';
    } else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(' && /^\?<?[=!]/.test(pattern.slice(at + 1, at + 4))) return 'a lookaround';
  }
  return undefined;
}

/**
 * A pattern compiled for RE2 (re2js, a pure JavaScript port), whose time grows with the text's
 * length alone; JavaScript's own syntax (`\u00e9`, `\u{1F600}`, `[^]`) translated first.
 * Throws, saying why, for a pattern RE2 cannot run.
 */
function compileLinear(pattern: string): RE2JSClass {
  const construct = backtrackingConstruct(pattern);
  if (construct) throw new Error(`uses ${construct}`);
  re2 ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  try {
    return re2.compile(re2.translateRegExp(pattern));
  } catch (error) {
    throw new Error(`uses syntax RE2 does not read (${(error as Error).message})`);
  }
}

/**
 * Why a valid JavaScript pattern cannot be checked in linear time, or undefined when it can.
 * Strict schemas refuse such patterns at the request: V8's backtracking engine would run them,
 * and a pattern such as `^(?=(a+)+$)` over a few dozen characters of a model's answer would
 * hold the server for hours.
 */
export function linearPatternProblem(pattern: string): string | undefined {
  try {
    compileLinear(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The engine for a client's JSON-schema `pattern`s, run over what a model wrote: RE2 only. V8's
 * own engine backtracks: `^(a+)+$` over 30 characters of a model's answer held the event loop
 * for seconds, every tenant's requests with it. re2js loads at the first pattern.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const compiled = compileLinear(pattern);
    // ajv keys the patterns it keeps by their `toString()`: one per pattern, as a RegExp's is.
    return {
      test: (text: string) => compiled.matcher(text).find(),
      toString: () => `re2:/${pattern}/${flags}`,
    };
  },
  { code: 'linearRegExp' },
);

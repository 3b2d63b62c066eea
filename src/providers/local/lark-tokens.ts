import { UnsupportedGrammar } from './gbnf-text.ts';

export type LarkToken =
  | { type: 'name'; text: string }
  | { type: 'number'; text: string }
  | { type: 'string'; text: string; caseInsensitive: boolean }
  | { type: 'regex'; text: string; flags: string }
  | { type: 'directive'; text: string }
  | { type: 'op'; text: string };

type Scanned = LarkToken | { type: 'newline' };

const OPS = ['->', '..', ':', '|', '(', ')', '[', ']', '?', '*', '+', '~', ',', '{', '}', '.', '!'];
const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', '0': '\0' };

/** The value of a Lark string literal's body (Python escapes; unknown ones stay as written). */
function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/gsu, (whole, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (escape in STRING_ESCAPES) return STRING_ESCAPES[escape]!;
    return escape === '\\' || escape === '"' || escape === "'" ? escape : whole;
  });
}

function scan(source: string): Scanned[] {
  const tokens: Scanned[] = [];
  const patterns: [RegExp, (match: RegExpExecArray) => Scanned | undefined][] = [
    [/[ \t\f]+|\/\/[^\n]*/y, () => undefined],
    [/\r?\n/y, () => ({ type: 'newline' })],
    [/%[A-Za-z_]+/y, (m) => ({ type: 'directive', text: m[0].slice(1) })],
    [/[A-Za-z_][A-Za-z0-9_]*/y, (m) => ({ type: 'name', text: m[0] })],
    [/[0-9]+/y, (m) => ({ type: 'number', text: m[0] })],
    [
      /"((?:[^"\\\n]|\\.)*)"(i?)/y,
      (m) => ({ type: 'string', text: unescape(m[1]!), caseInsensitive: m[2] === 'i' }),
    ],
    [/\/(?!\/)((?:\\.|[^/\\\n])+)\/([a-z]*)/y, (m) => ({ type: 'regex', text: m[1]!, flags: m[2]! })],
  ];
  let pos = 0;
  outer: while (pos < source.length) {
    for (const [pattern, make] of patterns) {
      pattern.lastIndex = pos;
      const match = pattern.exec(source);
      if (!match) continue;
      pos += match[0].length;
      const token = make(match);
      if (token) tokens.push(token);
      continue outer;
    }
    const op = OPS.find((candidate) => source.startsWith(candidate, pos));
    if (!op) throw new UnsupportedGrammar(`the character ${JSON.stringify(source[pos])} in the lark grammar`);
    tokens.push({ type: 'op', text: op });
    pos += op.length;
  }
  return tokens;
}

/**
 * A Lark grammar's statements (definitions and directives), each as its tokens. A statement
 * ends at a line break, except inside brackets and before a line that starts with `|`.
 */
export function larkStatements(source: string): LarkToken[][] {
  const tokens = scan(source);
  const statements: LarkToken[][] = [];
  let current: LarkToken[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'newline') {
      let next = i + 1;
      while (tokens[next]?.type === 'newline') next++;
      const continues =
        depth > 0 || (tokens[next]?.type === 'op' && (tokens[next] as LarkToken).text === '|');
      if (!continues && current.length > 0) {
        statements.push(current);
        current = [];
      }
      continue;
    }
    if (token.type === 'op' && (token.text === '(' || token.text === '[')) depth++;
    if (token.type === 'op' && (token.text === ')' || token.text === ']')) depth--;
    current.push(token);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

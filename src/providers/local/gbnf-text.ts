/** A piece of GBNF: its text, and whether it can match the empty string. */
export interface GbnfPiece {
  gbnf: string;
  nullable: boolean;
}

/** A grammar that cannot be converted to GBNF; the message names the feature. */
export class UnsupportedGrammar extends Error {
  override readonly name = 'UnsupportedGrammar';
}

/** Groups nested inside groups, in a regex or a Lark rule: enough for any real grammar, and bounds every walk. */
export const MAX_GRAMMAR_NESTING = 32;

/** Refuses a group nested deeper than MAX_GRAMMAR_NESTING. */
export function checkNesting(depth: number): void {
  if (depth > MAX_GRAMMAR_NESTING)
    throw new UnsupportedGrammar(`groups nested more than ${MAX_GRAMMAR_NESTING} deep`);
}

const PLAIN = /^[A-Za-z0-9 _.,;:!?@#%&=~`'<>/{}()|*+$-]$/u;

/** One code point as GBNF writes it in a string literal or a character class. */
function gbnfChar(code: number, inClass: boolean): string {
  const char = String.fromCodePoint(code);
  if (PLAIN.test(char) && !(inClass && char === '-')) return char;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** A GBNF string literal matching `text` exactly. */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const char of text) out += gbnfChar(char.codePointAt(0)!, false);
  return `${out}"`;
}

/** A GBNF character class over code point ranges (inclusive), or its complement. */
export function gbnfClass(ranges: readonly (readonly [number, number])[], negated = false): string {
  let out = negated ? '[^' : '[';
  for (const [low, high] of ranges)
    out += low === high ? gbnfChar(low, true) : `${gbnfChar(low, true)}-${gbnfChar(high, true)}`;
  return `${out}]`;
}

/** `piece` repeated from `min` to `max` (unbounded when undefined) times. */
export function gbnfRepeat(
  piece: GbnfPiece,
  min: number,
  max: number | undefined,
  grouped: boolean,
): GbnfPiece {
  if (max !== undefined && max < min)
    throw new UnsupportedGrammar(`a repetition whose maximum ${max} is below its minimum ${min}`);
  if (min > 1000 || (max ?? 0) > 1000) throw new UnsupportedGrammar('a repetition count above 1000');
  if (piece.nullable && (max === undefined || max > 1))
    throw new UnsupportedGrammar('a repetition of something that can match the empty string');
  const body = grouped ? piece.gbnf : `( ${piece.gbnf} )`;
  const suffix =
    min === 0 && max === undefined
      ? '*'
      : min === 1 && max === undefined
        ? '+'
        : min === 0 && max === 1
          ? '?'
          : max === undefined
            ? `{${min},}`
            : min === max
              ? `{${min}}`
              : `{${min},${max}}`;
  return { gbnf: `${body}${suffix}`, nullable: min === 0 || piece.nullable };
}

/** Pieces one after another. */
export function gbnfSequence(pieces: readonly GbnfPiece[]): GbnfPiece {
  if (pieces.length === 0) return { gbnf: '""', nullable: true };
  return {
    gbnf: pieces.map((piece) => piece.gbnf).join(' '),
    nullable: pieces.every((piece) => piece.nullable),
  };
}

/** Any one of the pieces, as a group. */
export function gbnfAlternatives(pieces: readonly GbnfPiece[]): GbnfPiece {
  if (pieces.length === 1) return { gbnf: `( ${pieces[0]!.gbnf} )`, nullable: pieces[0]!.nullable };
  return {
    gbnf: `( ${pieces.map((piece) => piece.gbnf).join(' | ')} )`,
    nullable: pieces.some((piece) => piece.nullable),
  };
}

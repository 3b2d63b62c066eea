import {
  checkNesting,
  gbnfAlternatives,
  gbnfClass,
  gbnfLiteral,
  gbnfRepeat,
  gbnfSequence,
  UnsupportedGrammar,
  type GbnfPiece,
} from './gbnf-text.ts';

type Range = readonly [number, number];
const DIGITS: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Range[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
const SHORTHANDS: Record<string, Range[]> = { d: DIGITS, w: WORD, s: SPACE };
const CONTROL_ESCAPES: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07 };
/** `.` leaves out line breaks: `\n` in every flavour, `\r` in JavaScript's. */
const DOT = {
  gbnf: gbnfClass(
    [
      [0x0a, 0x0a],
      [0x0d, 0x0d],
    ],
    true,
  ),
  nullable: false,
};

/** A class item: code point ranges, or the complement of some (`\D`, `\W`, `\S`). */
type ClassItem = { ranges: Range[]; negated: boolean };

/**
 * Converts a regular expression (the common core of Python, Rust and JavaScript syntax) into a
 * GBNF expression that matches exactly the strings the whole expression matches: literals and
 * escapes, `.`, classes with ranges and `\d \w \s` (ASCII), groups (capturing, named,
 * non-capturing), `|`, `? * + {m} {m,} {m,n}` (lazy forms too), `^` at the start and `$` at the
 * end. Anything else (lookaround, backreferences, word boundaries, inline flags, Unicode
 * properties, nested classes) throws UnsupportedGrammar naming it.
 */
export function regexToGbnf(source: string): GbnfPiece {
  return new RegexParser(source).parse();
}

class RegexParser {
  private readonly chars: string[];
  private pos = 0;

  constructor(source: string) {
    this.chars = Array.from(source);
  }

  parse(): GbnfPiece {
    const piece = this.alternation(0);
    if (this.pos < this.chars.length) throw new UnsupportedGrammar("an unbalanced ')' in the regex");
    return piece;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private next(): string {
    const char = this.chars[this.pos++];
    if (char === undefined) throw new UnsupportedGrammar('a regex that ends too early');
    return char;
  }

  private alternation(depth: number): GbnfPiece {
    const options = [this.sequence(depth)];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence(depth));
    }
    return options.length === 1 ? options[0]! : gbnfAlternatives(options);
  }

  private sequence(depth: number): GbnfPiece {
    const parts: GbnfPiece[] = [];
    for (let char = this.peek(); char !== undefined && char !== '|' && char !== ')'; char = this.peek()) {
      if (char === '^' || char === '$') {
        this.pos++;
        const atEdge = char === '^' ? parts.length === 0 : this.peek() === undefined || this.peek() === '|';
        if (depth === 0 && atEdge) continue; // the whole input must match anyway
        throw new UnsupportedGrammar(`a '${char}' anchor inside the regex`);
      }
      parts.push(this.quantified(this.atom(depth)));
    }
    return parts.length === 1 ? parts[0]! : gbnfSequence(parts);
  }

  private quantified(atom: GbnfPiece & { grouped: boolean }): GbnfPiece {
    const char = this.peek();
    let bounds: [number, number | undefined] | undefined;
    if (char === '*') bounds = [0, undefined];
    else if (char === '+') bounds = [1, undefined];
    else if (char === '?') bounds = [0, 1];
    else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(this.pos, this.pos + 24).join(''));
      if (/^\{,\d+\}/.test(this.chars.slice(this.pos, this.pos + 24).join('')))
        throw new UnsupportedGrammar("a '{,n}' count, which flavours read differently (write {0,n})");
      if (!match) return atom; // a '{' that starts no count is a literal, as in Python
      bounds = [
        Number(match[1]),
        match[2] === undefined ? Number(match[1]) : match[3] ? Number(match[3]) : undefined,
      ];
      this.pos += match[0].length - 1;
    } else return atom;
    this.pos++;
    if (this.peek() === '?')
      this.pos++; // lazy: the same strings match
    else if (this.peek() === '+') throw new UnsupportedGrammar('a possessive quantifier');
    const after = this.peek();
    if (after === '*' || after === '+' || after === '?')
      throw new UnsupportedGrammar('a quantifier that follows another');
    return gbnfRepeat(atom, bounds[0], bounds[1], atom.grouped);
  }

  private atom(depth: number): GbnfPiece & { grouped: boolean } {
    const char = this.next();
    if (char === '(') return { ...this.group(depth), grouped: true };
    if (char === '[') return { ...this.characterClass(), grouped: true };
    if (char === '.') return { ...DOT, grouped: true };
    if (char === '*' || char === '+' || char === '?')
      throw new UnsupportedGrammar(`a '${char}' with nothing to repeat`);
    if (char === '\\') {
      const item = this.escape(false);
      return { gbnf: this.classText([item]), nullable: false, grouped: true };
    }
    return { gbnf: gbnfLiteral(char), nullable: false, grouped: true };
  }

  private group(depth: number): GbnfPiece {
    if (this.peek() === '?') {
      const head = this.chars.slice(this.pos, this.pos + 4).join('');
      if (/^\?(=|!|<=|<!)/.test(head)) throw new UnsupportedGrammar('a lookaround group');
      if (head.startsWith('?P=')) throw new UnsupportedGrammar('a backreference');
      const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(
        this.chars.slice(this.pos, this.pos + 80).join(''),
      );
      if (head.startsWith('?:')) this.pos += 2;
      else if (named) this.pos += named[0].length;
      else throw new UnsupportedGrammar('an inline flag or special group "(?"');
    }
    checkNesting(depth + 1);
    const inner = this.alternation(depth + 1);
    if (this.next() !== ')') throw new UnsupportedGrammar("an unclosed '(' in the regex");
    return { gbnf: `( ${inner.gbnf} )`, nullable: inner.nullable };
  }

  /** After a backslash: one code point, or a shorthand class. */
  private escape(inClass: boolean): ClassItem {
    const char = this.next();
    const shorthand = SHORTHANDS[char.toLowerCase()];
    if (shorthand) return { ranges: shorthand, negated: char !== char.toLowerCase() };
    const single = (code: number): ClassItem => ({ ranges: [[code, code]], negated: false });
    if (char in CONTROL_ESCAPES) return single(CONTROL_ESCAPES[char]!);
    if (char === 'b' && inClass) return single(0x08);
    if (char === '0' && !/[0-9]/.test(this.peek() ?? '')) return single(0);
    if (char === 'x' || char === 'u' || char === 'U') return single(this.hexEscape(char));
    if (/[1-9]/.test(char) || char === 'k') throw new UnsupportedGrammar('a backreference');
    if (char === 'p' || char === 'P') throw new UnsupportedGrammar('a Unicode property class (\\p)');
    if ('bBAzZG'.includes(char)) throw new UnsupportedGrammar(`the '\\${char}' assertion`);
    if (/[A-Za-z0-9]/.test(char)) throw new UnsupportedGrammar(`the '\\${char}' escape`);
    return single(char.codePointAt(0)!);
  }

  private hexEscape(kind: string): number {
    const rest = this.chars.slice(this.pos, this.pos + 12).join('');
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(rest);
    const fixed = new RegExp(`^[0-9a-fA-F]{${kind === 'x' ? 2 : kind === 'u' ? 4 : 8}}`).exec(rest);
    const match = kind !== 'U' && braced ? braced : fixed;
    if (!match) throw new UnsupportedGrammar(`a malformed '\\${kind}' escape`);
    this.pos += match[0].length;
    const code = parseInt(match[1] ?? match[0], 16);
    if (code > 0x10ffff) throw new UnsupportedGrammar(`a '\\${kind}' escape beyond Unicode`);
    return code;
  }

  private characterClass(): GbnfPiece {
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const items: ClassItem[] = [];
    for (let first = true; ; first = false) {
      const char = this.next();
      if (char === ']' && !first) break;
      if (char === '[') throw new UnsupportedGrammar("a '[' inside a character class (escape it as '\\[')");
      if ((char === '&' || char === '~') && this.peek() === char)
        throw new UnsupportedGrammar('a character class set operation');
      const low =
        char === '\\'
          ? this.escape(true)
          : { ranges: [[char.codePointAt(0)!, char.codePointAt(0)!] as const], negated: false };
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const highChar = this.next();
        const high =
          highChar === '\\'
            ? this.escape(true)
            : { ranges: [[highChar.codePointAt(0)!, highChar.codePointAt(0)!] as const], negated: false };
        const from = low.ranges[0]![0];
        const to = high.ranges[0]![1];
        if (low.negated || high.negated || low.ranges.length > 1 || high.ranges.length > 1 || to < from)
          throw new UnsupportedGrammar('an invalid range in a character class');
        items.push({ ranges: [[from, to]], negated: false });
      } else items.push(low);
    }
    if (negated && items.some((item) => item.negated))
      throw new UnsupportedGrammar('a negated class that holds \\D, \\W or \\S');
    return { gbnf: this.classText(items, negated), nullable: false };
  }

  /** A class as GBNF: complemented shorthands become alternatives of their own. */
  private classText(items: readonly ClassItem[], negated = false): string {
    const positive = items.filter((item) => !item.negated).flatMap((item) => item.ranges);
    const complements = items.filter((item) => item.negated).map((item) => gbnfClass(item.ranges, true));
    if (complements.length === 0) return gbnfClass(positive, negated);
    const options = positive.length > 0 ? [gbnfClass(positive), ...complements] : complements;
    return options.length === 1 ? options[0]! : `( ${options.join(' | ')} )`;
  }
}

import { checkNesting, gbnfClass, gbnfLiteral, UnsupportedGrammar, type GbnfPiece } from './gbnf-text.ts';
import { larkStatements, type LarkToken } from './lark-tokens.ts';
import { regexToGbnf } from './regex-to-gbnf.ts';

export type LarkExpr =
  | { kind: 'seq'; items: LarkExpr[] }
  | { kind: 'alt'; options: LarkExpr[] }
  | { kind: 'repeat'; expr: LarkExpr; min: number; max: number | undefined }
  | { kind: 'ref'; name: string }
  /** A literal, a range or a regex: a terminal written in place. */
  | { kind: 'leaf'; piece: GbnfPiece };

export interface LarkGrammar {
  /** Rules (lowercase names) and terminals (uppercase names), by name. */
  definitions: Map<string, LarkExpr>;
  /** `%import common.NAME [-> ALIAS]`: local name to the common terminal's name. */
  imports: Map<string, string>;
  /** `%ignore` expansions. */
  ignore: LarkExpr[];
}

/** Whether a Lark name is a terminal's: its first letter after leading underscores is uppercase. */
export const isTerminalName = (name: string): boolean => /^_*[A-Z]/.test(name);

/** A case-insensitive literal: each letter becomes a class of both cases. */
function caseInsensitive(text: string): GbnfPiece {
  const parts = Array.from(text, (char) => {
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    if (lower === upper || Array.from(lower).length > 1 || Array.from(upper).length > 1)
      return gbnfLiteral(char);
    return gbnfClass([
      [lower.codePointAt(0)!, lower.codePointAt(0)!],
      [upper.codePointAt(0)!, upper.codePointAt(0)!],
    ]);
  });
  return { gbnf: parts.length > 0 ? parts.join(' ') : '""', nullable: parts.length === 0 };
}

/**
 * Parses the Lark subset Portico converts: definitions `name: ...` and `NAME: ...` (with
 * `?`/`!` rule modifiers and `.N` priorities, which change parse trees, not the language),
 * alternatives with `->` aliases, groups, `[optional]`, `? * +`, `~ n` and `~ n..m`,
 * strings (with `i`), `"a".."z"` ranges, `/regex/` without flags, `%import common.NAME` and
 * `%ignore`. Templates, other directives and regex flags throw UnsupportedGrammar.
 */
export function parseLark(source: string): LarkGrammar {
  const grammar: LarkGrammar = { definitions: new Map(), imports: new Map(), ignore: [] };
  for (const statement of larkStatements(source)) new StatementParser(statement, grammar).parse();
  return grammar;
}

class StatementParser {
  private pos = 0;
  private nesting = 0;

  constructor(
    private readonly tokens: LarkToken[],
    private readonly grammar: LarkGrammar,
  ) {}

  private peek(): LarkToken | undefined {
    return this.tokens[this.pos];
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token?.type === 'op' && token.text === text;
  }

  private expect(type: LarkToken['type'], text?: string): LarkToken {
    const token = this.tokens[this.pos++];
    if (!token || token.type !== type || (text !== undefined && token.text !== text))
      throw new UnsupportedGrammar(
        `a malformed statement near ${JSON.stringify(token?.text ?? 'the end of a line')}`,
      );
    return token;
  }

  parse(): void {
    const first = this.peek()!;
    if (first.type === 'directive') this.directive(first.text);
    else this.definition();
    if (this.pos < this.tokens.length)
      throw new UnsupportedGrammar(`unexpected ${JSON.stringify(this.peek()!.text)} in the lark grammar`);
  }

  private directive(name: string): void {
    this.pos++;
    if (name === 'ignore') {
      this.grammar.ignore.push(this.expansions());
      return;
    }
    if (name !== 'import') throw new UnsupportedGrammar(`the %${name} directive`);
    const module = this.expect('name').text;
    if (module !== 'common') throw new UnsupportedGrammar(`%import from '${module}' (only common terminals)`);
    if (this.isOp('.')) {
      this.pos++;
      const imported = this.expect('name').text;
      let local = imported;
      if (this.isOp('->')) {
        this.pos++;
        local = this.expect('name').text;
      }
      this.grammar.imports.set(local, imported);
      return;
    }
    this.expect('op', '(');
    for (;;) {
      const imported = this.expect('name').text;
      this.grammar.imports.set(imported, imported);
      if (this.isOp(')')) break;
      this.expect('op', ',');
    }
    this.pos++;
  }

  private definition(): void {
    if (this.isOp('?') || this.isOp('!')) this.pos++;
    const name = this.expect('name').text;
    if (this.isOp('{')) throw new UnsupportedGrammar(`templates (${name}{...})`);
    if (this.isOp('.')) {
      this.pos++;
      this.expect('number');
    }
    this.expect('op', ':');
    if (this.grammar.definitions.has(name)) throw new UnsupportedGrammar(`'${name}' defined twice`);
    this.grammar.definitions.set(name, this.expansions());
  }

  private expansions(): LarkExpr {
    const options = [this.expansion()];
    while (this.isOp('|')) {
      this.pos++;
      options.push(this.expansion());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private expansion(): LarkExpr {
    const items: LarkExpr[] = [];
    for (let token = this.peek(); token; token = this.peek()) {
      if (token.type === 'op' && ['|', ')', ']'].includes(token.text)) break;
      if (token.type === 'op' && token.text === '->') {
        this.pos++;
        this.expect('name'); // an alias names a tree node: the language is the same
        break;
      }
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  private quantified(atom: LarkExpr): LarkExpr {
    const token = this.peek();
    if (token?.type !== 'op') return atom;
    const bounds: Record<string, [number, number | undefined]> = {
      '?': [0, 1],
      '*': [0, undefined],
      '+': [1, undefined],
    };
    const simple = bounds[token.text];
    if (simple) {
      this.pos++;
      return { kind: 'repeat', expr: atom, min: simple[0], max: simple[1] };
    }
    if (token.text !== '~') return atom;
    this.pos++;
    const min = Number(this.expect('number').text);
    let max = min;
    if (this.isOp('..')) {
      this.pos++;
      max = Number(this.expect('number').text);
    }
    return { kind: 'repeat', expr: atom, min, max };
  }

  private atom(): LarkExpr {
    const token = this.tokens[this.pos++];
    if (!token) throw new UnsupportedGrammar('an expansion that ends too early');
    if (token.type === 'op' && (token.text === '(' || token.text === '[')) {
      checkNesting(++this.nesting);
      const inner = this.expansions();
      this.nesting--;
      this.expect('op', token.text === '(' ? ')' : ']');
      return token.text === '(' ? inner : { kind: 'repeat', expr: inner, min: 0, max: 1 };
    }
    if (token.type === 'name') {
      if (this.isOp('{')) throw new UnsupportedGrammar(`templates (${token.text}{...})`);
      return { kind: 'ref', name: token.text };
    }
    if (token.type === 'regex') {
      if (token.flags) throw new UnsupportedGrammar(`regex flags (/${token.text}/${token.flags})`);
      return { kind: 'leaf', piece: regexToGbnf(token.text) };
    }
    if (token.type === 'string') {
      if (this.isOp('..')) return this.range(token.text);
      return {
        kind: 'leaf',
        piece: token.caseInsensitive ? caseInsensitive(token.text) : literal(token.text),
      };
    }
    throw new UnsupportedGrammar(`unexpected ${JSON.stringify(token.text)} in the lark grammar`);
  }

  private range(from: string): LarkExpr {
    this.pos++;
    const to = this.expect('string').text;
    const [low, high] = [Array.from(from), Array.from(to)];
    if (low.length !== 1 || high.length !== 1 || high[0]!.codePointAt(0)! < low[0]!.codePointAt(0)!)
      throw new UnsupportedGrammar(`the range "${from}".."${to}"`);
    return {
      kind: 'leaf',
      piece: { gbnf: gbnfClass([[low[0]!.codePointAt(0)!, high[0]!.codePointAt(0)!]]), nullable: false },
    };
  }
}

function literal(text: string): GbnfPiece {
  return { gbnf: gbnfLiteral(text), nullable: text === '' };
}

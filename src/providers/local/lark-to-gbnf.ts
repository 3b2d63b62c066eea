import { gbnfRepeat, UnsupportedGrammar } from './gbnf-text.ts';
import { LARK_COMMON_TERMINALS } from './lark-common-terminals.ts';
import { isTerminalName, parseLark, type LarkExpr } from './lark-grammar.ts';

/** GBNF rules named `<prefix>...`, and the expression that matches the whole grammar. */
export interface GbnfRuleSet {
  rules: string[];
  root: string;
}

interface Definition {
  ruleName: string;
  terminal: boolean;
  expr: LarkExpr;
}

let common: ReturnType<typeof parseLark> | undefined;
/** Lark's common terminals, parsed at their first use rather than at start. */
const COMMON = () => (common ??= parseLark(LARK_COMMON_TERMINALS));
const slug = (name: string): string => name.toLowerCase().replaceAll('_', '-');

/**
 * Converts a Lark grammar (the subset parseLark reads) into GBNF rules that match exactly the
 * strings its `start` rule derives, read as a context-free grammar over characters, the way
 * Lark's Earley parser with its dynamic lexer reads it. `%ignore`d terminals may appear before
 * every token of a rule and at the end. Left recursion, which GBNF cannot express, and
 * repetitions of something that matches the empty string throw UnsupportedGrammar.
 */
export function larkToGbnf(source: string, prefix: string): GbnfRuleSet {
  const grammar = parseLark(source);
  const definitions = new Map<string, Definition>();
  const resolve = (name: string, scope: 'user' | 'common', from: string): string => {
    if (scope === 'user' && grammar.definitions.has(name)) return name;
    const common = scope === 'common' ? name : grammar.imports.get(name);
    if (common === undefined || !COMMON().definitions.has(common))
      throw new UnsupportedGrammar(`'${name}', used by '${from}' but never defined`);
    return `common.${common}`;
  };
  const add = (key: string, expr: LarkExpr, scope: 'user' | 'common', name: string) => {
    if (definitions.has(key)) return;
    const terminal = isTerminalName(name);
    const ruleName = `${prefix}${scope === 'common' ? 'common' : terminal ? 't' : 'r'}-${slug(name)}`;
    const definition: Definition = { ruleName, terminal, expr };
    definitions.set(key, definition);
    definition.expr = rewriteRefs(expr, (ref) => {
      if (terminal && !isTerminalName(ref))
        throw new UnsupportedGrammar(`terminal '${name}' refers to rule '${ref}'`);
      const target = resolve(ref, scope, name);
      const source = target.startsWith('common.')
        ? COMMON().definitions.get(target.slice(7))!
        : grammar.definitions.get(ref)!;
      add(
        target,
        source,
        target.startsWith('common.') ? 'common' : 'user',
        target.startsWith('common.') ? target.slice(7) : ref,
      );
      return target;
    });
  };
  const start = grammar.definitions.get('start');
  if (!start) throw new UnsupportedGrammar("a grammar without a 'start' rule");
  add('start', start, 'user', 'start');
  const ignore = grammar.ignore.map((expr) =>
    rewriteRefs(expr, (ref) => {
      const target = resolve(ref, 'user', '%ignore');
      const scope = target.startsWith('common.') ? 'common' : 'user';
      const name = scope === 'common' ? target.slice(7) : ref;
      add(
        target,
        scope === 'common' ? COMMON().definitions.get(name)! : grammar.definitions.get(ref)!,
        scope,
        name,
      );
      return target;
    }),
  );
  return new GbnfEmitter(definitions, prefix, ignore.length > 0).emit(ignore);
}

function rewriteRefs(expr: LarkExpr, rename: (name: string) => string): LarkExpr {
  switch (expr.kind) {
    case 'ref':
      return { kind: 'ref', name: rename(expr.name) };
    case 'seq':
      return { kind: 'seq', items: expr.items.map((item) => rewriteRefs(item, rename)) };
    case 'alt':
      return { kind: 'alt', options: expr.options.map((option) => rewriteRefs(option, rename)) };
    case 'repeat':
      return { ...expr, expr: rewriteRefs(expr.expr, rename) };
    case 'leaf':
      return expr;
  }
}

class GbnfEmitter {
  private readonly nullable = new Map<string, boolean>();
  private readonly spacer: string;

  constructor(
    private readonly definitions: Map<string, Definition>,
    prefix: string,
    private readonly ignoring: boolean,
  ) {
    this.spacer = `${prefix}ignored`;
    for (let changed = true; changed;) {
      changed = false;
      for (const [key, definition] of definitions)
        if (!this.nullable.get(key) && this.isNullable(definition.expr)) {
          this.nullable.set(key, true);
          changed = true;
        }
    }
    this.checkLeftRecursion();
  }

  private isNullable(expr: LarkExpr): boolean {
    switch (expr.kind) {
      case 'ref':
        return this.nullable.get(expr.name) ?? false;
      case 'seq':
        return expr.items.every((item) => this.isNullable(item));
      case 'alt':
        return expr.options.some((option) => this.isNullable(option));
      case 'repeat':
        return expr.min === 0 || this.isNullable(expr.expr);
      case 'leaf':
        return expr.piece.nullable;
    }
  }

  /** The definitions an expression can start with, looking past parts that can be empty. */
  private leftmost(expr: LarkExpr, into: Set<string>): Set<string> {
    if (expr.kind === 'ref') into.add(expr.name);
    else if (expr.kind === 'alt') for (const option of expr.options) this.leftmost(option, into);
    else if (expr.kind === 'repeat') this.leftmost(expr.expr, into);
    else if (expr.kind === 'seq')
      for (const item of expr.items) {
        this.leftmost(item, into);
        if (!this.isNullable(item)) break;
      }
    return into;
  }

  private checkLeftRecursion(): void {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (key: string): void => {
      if (state.get(key) === 'done') return;
      if (state.get(key) === 'open')
        throw new UnsupportedGrammar(
          `left recursion in '${key}' (write it with repetition, such as item ("," item)*)`,
        );
      state.set(key, 'open');
      for (const next of this.leftmost(this.definitions.get(key)!.expr, new Set())) visit(next);
      state.set(key, 'done');
    };
    for (const key of this.definitions.keys()) visit(key);
  }

  emit(ignore: LarkExpr[]): GbnfRuleSet {
    const rules = [...this.definitions.values()].map(
      (definition) => `${definition.ruleName} ::= ${this.text(definition.expr, !definition.terminal)}`,
    );
    const start = this.definitions.get('start')!.ruleName;
    if (!this.ignoring) return { rules, root: start };
    const ignored = ignore.map((expr) => ({ gbnf: this.text(expr, false), nullable: this.isNullable(expr) }));
    const any = {
      gbnf: ignored.map((piece) => piece.gbnf).join(' | '),
      nullable: ignored.some((piece) => piece.nullable),
    };
    rules.push(`${this.spacer} ::= ${gbnfRepeat(any, 0, undefined, false).gbnf}`);
    return { rules, root: `${start} ${this.spacer}` };
  }

  /** GBNF for an expression; in a rule, every token may be preceded by ignored text. */
  private text(expr: LarkExpr, inRule: boolean): string {
    const token = (gbnf: string) => (inRule && this.ignoring ? `${this.spacer} ${gbnf}` : gbnf);
    switch (expr.kind) {
      case 'ref': {
        const target = this.definitions.get(expr.name)!;
        return target.terminal ? token(target.ruleName) : target.ruleName;
      }
      case 'leaf':
        return token(expr.piece.gbnf);
      case 'seq':
        return expr.items.length === 0 ? '""' : expr.items.map((item) => this.text(item, inRule)).join(' ');
      case 'alt':
        return `( ${expr.options.map((option) => this.text(option, inRule)).join(' | ')} )`;
      case 'repeat': {
        const piece = { gbnf: this.text(expr.expr, inRule), nullable: this.isNullable(expr.expr) };
        return gbnfRepeat(piece, expr.min, expr.max, false).gbnf;
      }
    }
  }
}

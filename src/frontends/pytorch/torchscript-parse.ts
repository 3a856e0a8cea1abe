/**
 * TorchScript's serialized code (the `code/**.py` of an archive: a typed subset of Python) -> an AST.
 * What torch.jit.save writes: class definitions with attribute annotations and methods; in methods,
 * assignments (tuple targets too), return, if/elif/else, for over a range or a list, while, pass,
 * assert, raise, and expressions (calls with keyword arguments, attributes, subscripts and slices,
 * list/tuple/dict literals, unary and binary operators, comparisons, `and`/`or`/`not`, conditional
 * expressions, numbers, strings, None/True/False). Errors name the line and column.
 */

import {
  ParseError,
  type ClassDef,
  type Expr,
  type FunctionDef,
  type Param,
  type Stmt,
} from './torchscript-ast.js';
import { tokenize, type Token, type TokenKind } from './torchscript-tokenize.js';

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '//', '%', '@'],
];

export function parseModule(source: string): Stmt[] {
  return new Parser(tokenize(source)).module();
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  module(): Stmt[] {
    const body: Stmt[] = [];
    while (this.peek().kind !== 'end') {
      if (this.accept('newline')) continue;
      body.push(this.statement());
    }
    return body;
  }

  private statement(): Stmt {
    const t = this.peek();
    const line = t.line;
    if (t.kind === 'name') {
      switch (t.text) {
        case 'class':
          return { kind: 'class', cls: this.classDef(), line };
        case 'def':
          return { kind: 'def', fn: this.functionDef(), line };
        case 'if':
          return this.ifStatement();
        case 'for': {
          this.next();
          const target = this.targetList();
          this.expectName('in');
          const iter = this.expression();
          this.expectOp(':');
          return { kind: 'for', target, iter, body: this.block(), line };
        }
        case 'while': {
          this.next();
          const test = this.expression();
          this.expectOp(':');
          return { kind: 'while', test, body: this.block(), line };
        }
        case 'return': {
          this.next();
          const value = this.peek().kind === 'newline' ? undefined : this.exprList();
          this.endOfStatement();
          return { kind: 'return', ...(value ? { value } : {}), line };
        }
        case 'pass':
        case 'break':
        case 'continue':
          this.next();
          this.endOfStatement();
          return { kind: t.text, line };
        case 'assert': {
          this.next();
          const test = this.expression();
          const message = this.acceptOp(',') ? this.expression() : undefined;
          this.endOfStatement();
          return { kind: 'assert', test, ...(message ? { message } : {}), line };
        }
        case 'raise': {
          this.next();
          const value = this.peek().kind === 'newline' ? undefined : this.expression();
          if (this.peek().kind === 'name' && this.peek().text === 'from') {
            this.next();
            this.expression();
          }
          this.endOfStatement();
          return { kind: 'raise', ...(value ? { value } : {}), line };
        }
      }
    }
    const first = this.exprList();
    if (this.acceptOp(':')) {
      if (first.kind !== 'name' && first.kind !== 'attr')
        this.fail('an annotation of something that is not a name');
      const type = this.expression();
      const value = this.acceptOp('=') ? this.exprList() : undefined;
      this.endOfStatement();
      return {
        kind: 'annotated',
        target: first.kind === 'name' ? first.id : (first as { attr: string }).attr,
        type,
        ...(value ? { value } : {}),
        line,
      };
    }
    const augmented = ['+=', '-=', '*=', '/=', '//=', '%=', '**=', '&=', '|=', '^=', '<<=', '>>='].find((o) =>
      this.peekOp(o),
    );
    if (augmented) {
      this.next();
      const right = this.exprList();
      this.endOfStatement();
      return {
        kind: 'assign',
        targets: [first],
        value: { kind: 'binary', op: augmented.slice(0, -1), left: first, right },
        line,
      };
    }
    if (this.peekOp('=')) {
      const targets = [first];
      let value: Expr = first;
      while (this.acceptOp('=')) {
        value = this.exprList();
        targets.push(value);
      }
      targets.pop();
      this.endOfStatement();
      return { kind: 'assign', targets, value, line };
    }
    this.endOfStatement();
    return { kind: 'expr', value: first, line };
  }

  private ifStatement(): Stmt {
    const line = this.next().line; // 'if' or 'elif'
    const test = this.expression();
    this.expectOp(':');
    const body = this.block();
    let orelse: Stmt[] = [];
    const t = this.peek();
    if (t.kind === 'name' && t.text === 'elif') orelse = [this.ifStatement()];
    else if (t.kind === 'name' && t.text === 'else') {
      this.next();
      this.expectOp(':');
      orelse = this.block();
    }
    return { kind: 'if', test, body, orelse, line };
  }

  private classDef(): ClassDef {
    this.expectName('class');
    const name = this.name();
    const bases: Expr[] = [];
    if (this.acceptOp('(')) {
      while (!this.acceptOp(')')) {
        bases.push(this.expression());
        this.acceptOp(',');
      }
    }
    this.expectOp(':');
    return { name, bases, body: this.block() };
  }

  private functionDef(): FunctionDef {
    this.expectName('def');
    const name = this.name();
    this.expectOp('(');
    const params: Param[] = [];
    while (!this.acceptOp(')')) {
      if (this.acceptOp('*')) {
        this.acceptOp(',');
        continue;
      }
      const pname = this.name();
      const type = this.acceptOp(':') ? this.expression() : undefined;
      const dflt = this.acceptOp('=') ? this.expression() : undefined;
      params.push({ name: pname, ...(type ? { type } : {}), ...(dflt ? { default: dflt } : {}) });
      if (!this.acceptOp(',')) {
        this.expectOp(')');
        break;
      }
    }
    const returns = this.acceptOp('->') ? this.expression() : undefined;
    this.expectOp(':');
    return { name, params, ...(returns ? { returns } : {}), body: this.block() };
  }

  /** An indented block, or a simple statement on the same line. */
  private block(): Stmt[] {
    if (!this.accept('newline')) return [this.statement()];
    while (this.accept('newline'));
    if (!this.accept('indent')) this.fail('expected an indented block');
    const body: Stmt[] = [];
    while (!this.accept('dedent')) {
      if (this.peek().kind === 'end') break;
      if (this.accept('newline')) continue;
      body.push(this.statement());
    }
    return body;
  }

  private targetList(): Expr {
    const first = this.postfix();
    if (!this.peekOp(',')) return first;
    const items = [first];
    while (this.acceptOp(',')) {
      if (this.peek().kind === 'name' && this.peek().text === 'in') break;
      items.push(this.postfix());
    }
    return { kind: 'tuple', items };
  }

  /** An expression, or a bare tuple `a, b`. */
  private exprList(): Expr {
    const first = this.expression();
    if (!this.peekOp(',')) return first;
    const items = [first];
    while (this.acceptOp(',')) {
      if (this.peek().kind === 'newline' || this.peekOp('=') || this.peekOp(')')) break;
      items.push(this.expression());
    }
    return { kind: 'tuple', items };
  }

  private expression(): Expr {
    const value = this.or();
    if (this.peek().kind === 'name' && this.peek().text === 'if') {
      this.next();
      const test = this.or();
      this.expectName('else');
      return { kind: 'ifexp', test, then: value, else: this.expression() };
    }
    return value;
  }

  private or(): Expr {
    let left = this.and();
    while (this.acceptName('or')) left = { kind: 'binary', op: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptName('and')) left = { kind: 'binary', op: 'and', left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.acceptName('not')) return { kind: 'unary', op: 'not', operand: this.not() };
    return this.comparison();
  }

  private comparison(): Expr {
    let left = this.binary();
    for (;;) {
      const op = ['==', '!=', '<=', '>=', '<', '>'].find((o) => this.peekOp(o));
      if (op) {
        this.next();
        left = { kind: 'binary', op, left, right: this.binary() };
      } else if (this.acceptName('is')) {
        const op2 = this.acceptName('not') ? 'is not' : 'is';
        left = { kind: 'binary', op: op2, left, right: this.binary() };
      } else if (this.peek().kind === 'name' && this.peek().text === 'in') {
        this.next();
        left = { kind: 'binary', op: 'in', left, right: this.binary() };
      } else if (
        this.peek().kind === 'name' &&
        this.peek().text === 'not' &&
        this.tokens[this.at + 1]?.text === 'in'
      ) {
        this.next();
        this.next();
        left = { kind: 'binary', op: 'not in', left, right: this.binary() };
      } else return left;
    }
  }

  /** Binary operators from the loosest level (|) to the tightest (* / // % @), left-associative. */
  private binary(level = 0): Expr {
    if (level === BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = BINARY_LEVELS[level]!.find((o) => this.peekOp(o));
      if (!op) return left;
      this.next();
      left = { kind: 'binary', op, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Expr {
    const op = ['-', '+', '~'].find((o) => this.peekOp(o));
    if (op) {
      this.next();
      return { kind: 'unary', op, operand: this.unary() };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.postfix();
    if (this.acceptOp('**')) return { kind: 'binary', op: '**', left: base, right: this.unary() };
    return base;
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.acceptOp('.')) e = { kind: 'attr', value: e, attr: this.name() };
      else if (this.acceptOp('(')) e = this.call(e);
      else if (this.acceptOp('[')) {
        const index = this.subscript();
        this.expectOp(']');
        e = { kind: 'index', value: e, index };
      } else return e;
    }
  }

  private call(fn: Expr): Expr {
    const args: Expr[] = [];
    const kwargs: [string, Expr][] = [];
    while (!this.acceptOp(')')) {
      const t = this.peek();
      if (
        t.kind === 'name' &&
        this.tokens[this.at + 1]?.text === '=' &&
        this.tokens[this.at + 1]?.kind === 'op'
      ) {
        this.next();
        this.next();
        kwargs.push([t.text, this.expression()]);
      } else args.push(this.expression());
      if (!this.acceptOp(',')) {
        this.expectOp(')');
        break;
      }
    }
    return { kind: 'call', fn, args, kwargs };
  }

  private subscript(): Expr {
    const items: Expr[] = [];
    do {
      if (this.peekOp(']')) break;
      items.push(this.sliceItem());
    } while (this.acceptOp(','));
    return items.length === 1 ? items[0]! : { kind: 'tuple', items };
  }

  private sliceItem(): Expr {
    const lower = this.peekOp(':') ? undefined : this.expression();
    if (!this.acceptOp(':')) return lower!;
    const upper = this.peekOp(':') || this.peekOp(']') || this.peekOp(',') ? undefined : this.expression();
    let step: Expr | undefined;
    if (this.acceptOp(':') && !this.peekOp(']') && !this.peekOp(',')) step = this.expression();
    return {
      kind: 'slice',
      ...(lower ? { lower } : {}),
      ...(upper ? { upper } : {}),
      ...(step ? { step } : {}),
    };
  }

  private atom(): Expr {
    const t = this.next();
    if (t.kind === 'number') {
      const float = /[.eE]/.test(t.text) && !/^0[xX]/.test(t.text);
      return { kind: 'const', value: Number(t.text), ...(float ? { float: true } : {}) };
    }
    if (t.kind === 'string') {
      let value = t.text;
      while (this.peek().kind === 'string') value += this.next().text; // adjacent literals concatenate
      return { kind: 'const', value };
    }
    if (t.kind === 'name') {
      if (t.text === 'None') return { kind: 'const', value: null };
      if (t.text === 'True') return { kind: 'const', value: true };
      if (t.text === 'False') return { kind: 'const', value: false };
      return { kind: 'name', id: t.text };
    }
    if (t.kind === 'op' && t.text === '(') {
      if (this.acceptOp(')')) return { kind: 'tuple', items: [] };
      const first = this.expression();
      if (this.acceptOp(')')) return first;
      const items = [first];
      while (this.acceptOp(',')) {
        if (this.peekOp(')')) break;
        items.push(this.expression());
      }
      this.expectOp(')');
      return { kind: 'tuple', items };
    }
    if (t.kind === 'op' && t.text === '[') {
      const items: Expr[] = [];
      while (!this.acceptOp(']')) {
        items.push(this.expression());
        if (!this.acceptOp(',')) {
          this.expectOp(']');
          break;
        }
      }
      return { kind: 'list', items };
    }
    if (t.kind === 'op' && t.text === '{') {
      const entries: [Expr, Expr][] = [];
      while (!this.acceptOp('}')) {
        const k = this.expression();
        this.expectOp(':');
        entries.push([k, this.expression()]);
        if (!this.acceptOp(',')) {
          this.expectOp('}');
          break;
        }
      }
      return { kind: 'dict', entries };
    }
    return this.fail(`unexpected ${t.kind === 'op' ? `'${t.text}'` : t.kind}`, t);
  }

  private name(): string {
    const t = this.next();
    if (t.kind !== 'name') this.fail('expected a name', t);
    return t.text;
  }

  private endOfStatement(): void {
    if (this.acceptOp(';')) return;
    if (this.peek().kind === 'end' || this.peek().kind === 'dedent') return;
    if (!this.accept('newline')) this.fail('expected the end of the statement');
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    const t = this.tokens[this.at]!;
    if (t.kind !== 'end') this.at++;
    return t;
  }

  private accept(kind: TokenKind): boolean {
    if (this.peek().kind !== kind) return false;
    this.at++;
    return true;
  }

  private peekOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.peekOp(op)) return false;
    this.at++;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`expected '${op}'`);
  }

  private acceptName(name: string): boolean {
    const t = this.peek();
    if (t.kind !== 'name' || t.text !== name) return false;
    this.at++;
    return true;
  }

  private expectName(name: string): void {
    if (!this.acceptName(name)) this.fail(`expected '${name}'`);
  }

  private fail(why: string, t: Token = this.peek()): never {
    throw new ParseError(`line ${t.line}, column ${t.column}: ${why}`);
  }
}

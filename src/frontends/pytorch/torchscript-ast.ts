/**
 * The AST of TorchScript's serialized code (see torchscript-parse.ts): expressions, statements,
 * functions and classes, and the error a malformed text raises.
 */
export class ParseError extends Error {}

export type Expr =
  | { readonly kind: 'name'; readonly id: string }
  | { readonly kind: 'const'; readonly value: number | string | boolean | null; readonly float?: boolean }
  | { readonly kind: 'attr'; readonly value: Expr; readonly attr: string }
  | {
      readonly kind: 'call';
      readonly fn: Expr;
      readonly args: readonly Expr[];
      readonly kwargs: readonly [string, Expr][];
    }
  | { readonly kind: 'index'; readonly value: Expr; readonly index: Expr }
  | { readonly kind: 'slice'; readonly lower?: Expr; readonly upper?: Expr; readonly step?: Expr }
  | { readonly kind: 'list' | 'tuple'; readonly items: readonly Expr[] }
  | { readonly kind: 'dict'; readonly entries: readonly [Expr, Expr][] }
  | { readonly kind: 'unary'; readonly op: string; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'ifexp'; readonly test: Expr; readonly then: Expr; readonly else: Expr };

export type Stmt =
  | {
      readonly kind: 'assign';
      readonly targets: readonly Expr[];
      readonly value: Expr;
      readonly line: number;
    }
  | {
      readonly kind: 'annotated';
      readonly target: string;
      readonly type: Expr;
      readonly value?: Expr;
      readonly line: number;
    }
  | { readonly kind: 'expr'; readonly value: Expr; readonly line: number }
  | { readonly kind: 'return'; readonly value?: Expr; readonly line: number }
  | {
      readonly kind: 'if';
      readonly test: Expr;
      readonly body: readonly Stmt[];
      readonly orelse: readonly Stmt[];
      readonly line: number;
    }
  | {
      readonly kind: 'for';
      readonly target: Expr;
      readonly iter: Expr;
      readonly body: readonly Stmt[];
      readonly line: number;
    }
  | { readonly kind: 'while'; readonly test: Expr; readonly body: readonly Stmt[]; readonly line: number }
  | { readonly kind: 'pass' | 'break' | 'continue'; readonly line: number }
  | { readonly kind: 'assert'; readonly test: Expr; readonly message?: Expr; readonly line: number }
  | { readonly kind: 'raise'; readonly value?: Expr; readonly line: number }
  | { readonly kind: 'def'; readonly fn: FunctionDef; readonly line: number }
  | { readonly kind: 'class'; readonly cls: ClassDef; readonly line: number };

export interface Param {
  readonly name: string;
  readonly type?: Expr;
  readonly default?: Expr;
}

export interface FunctionDef {
  readonly name: string;
  readonly params: readonly Param[];
  readonly returns?: Expr;
  readonly body: readonly Stmt[];
}

export interface ClassDef {
  readonly name: string;
  readonly bases: readonly Expr[];
  readonly body: readonly Stmt[];
}

/**
 * TorchScript code -> tokens, Python's way: names, numbers, strings (prefixes, escapes, adjacent
 * literals), operators, and INDENT/DEDENT/NEWLINE from the indentation (no newlines inside brackets).
 */
import { ParseError } from './torchscript-ast.js';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'indent' | 'dedent' | 'end';
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '->',
  '**',
  '//',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  ':=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '<',
  '>',
  '=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  ';',
  '&',
  '|',
  '^',
  '~',
];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const indents = [0];
  let depth = 0; // open brackets: newlines inside them are not statement ends
  const lines = source.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const text = lines[ln]!;
    let col = 0;
    if (depth === 0) {
      const indent = /^[ \t]*/.exec(text)![0].replace(/\t/g, '        ').length;
      const rest = text.trim();
      if (rest === '' || rest.startsWith('#')) continue;
      if (indent > indents[indents.length - 1]!) {
        indents.push(indent);
        tokens.push({ kind: 'indent', text: '', line: ln + 1, column: 1 });
      }
      while (indent < indents[indents.length - 1]!) {
        indents.pop();
        tokens.push({ kind: 'dedent', text: '', line: ln + 1, column: 1 });
      }
      if (indent !== indents[indents.length - 1])
        throw new ParseError(`line ${ln + 1}: inconsistent indentation`);
    }
    while (col < text.length) {
      const c = text[col]!;
      if (c === ' ' || c === '\t') {
        col++;
        continue;
      }
      if (c === '#') break;
      const at = { line: ln + 1, column: col + 1 };
      const rest = text.slice(col);
      const number = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?[jJ]?)/.exec(rest);
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
      if (c === '"' || c === "'") {
        const [value, length] = stringLiteral(rest, at.line);
        tokens.push({ kind: 'string', text: value, ...at });
        col += length;
      } else if (name && !/^[rRbBuUfF]{1,2}["']/.test(rest)) {
        tokens.push({ kind: 'name', text: name[0], ...at });
        col += name[0].length;
      } else if (/^[rRbBuUfF]{1,2}["']/.test(rest)) {
        const prefix = /^[rRbBuUfF]{1,2}/.exec(rest)![0];
        const [value, length] = stringLiteral(rest.slice(prefix.length), at.line);
        tokens.push({ kind: 'string', text: value, ...at });
        col += prefix.length + length;
      } else if (number && /\d/.test(c + (rest[1] ?? ''))) {
        tokens.push({ kind: 'number', text: number[0], ...at });
        col += number[0].length;
      } else {
        const op = OPERATORS.find((o) => rest.startsWith(o));
        if (!op) throw new ParseError(`line ${at.line}, column ${at.column}: unexpected '${c}'`);
        if ('([{'.includes(op)) depth++;
        if (')]}'.includes(op)) depth = Math.max(0, depth - 1);
        tokens.push({ kind: 'op', text: op, ...at });
        col += op.length;
      }
    }
    if (depth === 0 && !text.trimEnd().endsWith('\\'))
      tokens.push({ kind: 'newline', text: '', line: ln + 1, column: text.length + 1 });
  }
  while (indents.length > 1) {
    indents.pop();
    tokens.push({ kind: 'dedent', text: '', line: lines.length, column: 1 });
  }
  tokens.push({ kind: 'end', text: '', line: lines.length, column: 1 });
  return tokens;
}

/** A quoted literal at the start of `text`: its value and how many characters it took. */
function stringLiteral(text: string, line: number): [string, number] {
  const quote = text.startsWith('"""') || text.startsWith("'''") ? text.slice(0, 3) : text[0]!;
  let i = quote.length;
  let value = '';
  const escapes: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '0': '\0',
    '\\': '\\',
    "'": "'",
    '"': '"',
  };
  while (i < text.length && !text.startsWith(quote, i)) {
    const c = text[i]!;
    if (c === '\\') {
      const e = text[i + 1] ?? '';
      if (e === 'x') {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      value += escapes[e] ?? `\\${e}`;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  if (!text.startsWith(quote, i)) throw new ParseError(`line ${line}: a string is not closed on its line`);
  return [value, i + quote.length];
}

/**
 * The TorchScript code parser: every code file of the shared TorchScript archives parses, and the
 * AST of the constructs torch.jit.save writes is checked piece by piece.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTorchArchive } from '../../../src/frontends/pytorch/archive.js';
import { ParseError, type Expr, type Stmt } from '../../../src/frontends/pytorch/torchscript-ast.js';
import { parseModule } from '../../../src/frontends/pytorch/torchscript-parse.js';
import { SHARED } from '../../helpers/shared-models.js';

const TS = join(SHARED, 'models/torchscript');

test(
  'every code file of the shared TorchScript archives parses',
  { skip: existsSync(TS) ? false : `${TS} is not present` },
  () => {
    let files = 0;
    for (const folder of readdirSync(TS)) {
      const dir = join(TS, folder);
      if (!existsSync(join(dir, 'meta.json'))) continue;
      for (const f of readdirSync(dir).filter((n) => /\.(pt|ptl|pth)$/.test(n))) {
        const archive = readTorchArchive(readFileSync(join(dir, f)));
        for (const [name, source] of archive.code) {
          files++;
          assert.doesNotThrow(() => parseModule(source), `${folder}/${f}: ${name}`);
        }
      }
    }
    assert.ok(files > 200, `${files} code files`);
  },
);

const SOURCE = `class Foo(Module):
  __parameters__ = ["weight", ]
  weight : Tensor
  training : bool
  def forward(self: __torch__.Foo,
    x: Tensor,
    y: Optional[Tensor]=None) -> Tuple[Tensor, int]:
    _0 = torch.add(torch.mul(x, 2), y, alpha=-1)
    a, b = torch.chunk(x, 2, -1)
    c = x[:, 0, 1:-1:2]
    if torch.__is__(y, None):
      d = {"k": 1.5e-3}
    elif bool(torch.gt(x, 0.)):
      pass
    else:
      d = {}
    for i in range(3):
      x = x if not training else -x
    return (_0, len([1, 2]))
`;

test('the AST of what torch.jit.save writes', () => {
  const [cls] = parseModule(SOURCE);
  assert.equal(cls!.kind, 'class');
  const body = (cls as Extract<Stmt, { kind: 'class' }>).cls.body;
  assert.deepEqual(
    body.map((s) => s.kind),
    ['assign', 'annotated', 'annotated', 'def'],
  );
  const fn = (body[3] as Extract<Stmt, { kind: 'def' }>).fn;
  assert.equal(fn.name, 'forward');
  assert.deepEqual(
    fn.params.map((p) => p.name),
    ['self', 'x', 'y'],
  );
  assert.deepEqual(fn.params[2]!.default, { kind: 'const', value: null });
  const [add, chunk, slice, ifs, loop, ret] = fn.body;
  const call = (add as Extract<Stmt, { kind: 'assign' }>).value as Extract<Expr, { kind: 'call' }>;
  assert.deepEqual(call.fn, { kind: 'attr', value: { kind: 'name', id: 'torch' }, attr: 'add' });
  assert.equal(call.args.length, 2);
  assert.deepEqual(call.kwargs, [
    ['alpha', { kind: 'unary', op: '-', operand: { kind: 'const', value: 1 } }],
  ]);
  assert.equal(((chunk as Extract<Stmt, { kind: 'assign' }>).targets[0] as { kind: string }).kind, 'tuple');
  const index = (slice as Extract<Stmt, { kind: 'assign' }>).value as Extract<Expr, { kind: 'index' }>;
  const items = (index.index as Extract<Expr, { items: readonly Expr[] }>).items;
  assert.deepEqual(items[0], { kind: 'slice' });
  assert.deepEqual(items[1], { kind: 'const', value: 0 });
  assert.equal((items[2] as Extract<Expr, { kind: 'slice' }>).step!.kind, 'const');
  const branch = ifs as Extract<Stmt, { kind: 'if' }>;
  assert.equal(branch.orelse[0]!.kind, 'if', 'elif nests');
  const d = (branch.body[0] as Extract<Stmt, { kind: 'assign' }>).value as Extract<Expr, { kind: 'dict' }>;
  assert.deepEqual(d.entries[0]![1], { kind: 'const', value: 1.5e-3, float: true });
  assert.equal(loop!.kind, 'for');
  const inner = (loop as Extract<Stmt, { kind: 'for' }>).body[0] as Extract<Stmt, { kind: 'assign' }>;
  assert.equal(inner.value.kind, 'ifexp');
  assert.equal(((ret as Extract<Stmt, { kind: 'return' }>).value as { kind: string }).kind, 'tuple');
});

test('parse errors name the line and column', () => {
  assert.throws(
    () => parseModule('def f(x):\n  return (x,\n'),
    (e: unknown) => e instanceof ParseError && /line \d+/.test(e.message),
  );
  assert.throws(() => parseModule('x = $\n'), /line 1, column 5: unexpected '\$'/);
  assert.throws(() => parseModule('def f():\nreturn 1\n'), /expected an indented block/);
  assert.throws(() => parseModule('s = "open\n'), /not closed/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, Index, Kernel, Stmt } from '../../src/backend/kernel/ir.js';
import { codeOfDType } from '../../src/ops/support/dtype-codes.js';
import { check, input, int, loops, PAIRS, sample } from './lower-elementwise-support.js';

/**
 * The shape of the generated code: collapsed loops, the innermost contiguous on the output and
 * vectorizable with every access stepping by 0 or 1, the outermost parallel, XNNPACK-style names,
 * and no kernels at all for empty outputs.
 */
function indexes(ss: readonly Stmt[]): Index[] {
  const out: Index[] = [];
  const expr = (e: Expr): void => {
    switch (e.op) {
      case 'load':
        out.push(e.index);
        return;
      case 'unary':
      case 'convert':
        return expr(e.x);
      case 'binary':
      case 'compare':
        expr(e.a);
        return expr(e.b);
      case 'select':
        expr(e.cond);
        expr(e.a);
        return expr(e.b);
      default:
        return;
    }
  };
  for (const s of ss) {
    if (s.op === 'store') {
      out.push(s.index);
      expr(s.value);
    } else if (s.op === 'set') expr(s.value);
    else if (s.op === 'loop') out.push(...indexes(s.body));
  }
  return out;
}

function assertMapShape(k: Kernel): void {
  const ls = loops(k);
  if (ls.length === 0) return; // one element
  assert.equal(ls[0]!.parallel, true, `${k.name}: outermost loop parallel`);
  const inner = ls[ls.length - 1]!;
  assert.equal(inner.vectorize, true, `${k.name}: innermost loop vectorizable`);
  for (const ix of indexes(inner.body)) {
    const step = ix.terms.find((t) => t.v === inner.v)?.stride ?? 0;
    assert.ok(step === 0 || step === 1, `${k.name}: an access steps by ${step} in the innermost loop`);
  }
  const stores = inner.body.filter((s): s is Extract<Stmt, { op: 'store' }> => s.op === 'store');
  assert.equal(stores.length, 1);
  assert.equal(stores[0]!.index.terms.find((t) => t.v === inner.v)?.stride, 1, 'output contiguous');
  for (let i = 0; i + 1 < ls.length; i++) assert.ok(!ls[i]!.vectorize && (i === 0 || !ls[i]!.parallel));
}

test('every broadcasting form lowers to collapsed, vectorizable, parallel loops', () => {
  for (const op of ['Add', 'Where', 'PRelu', 'Mod']) {
    PAIRS.forEach(([a, b], k) => {
      if (op === 'PRelu' && b.length > a.length) return;
      const ins =
        op === 'Where'
          ? [
              input('c', sample('bool', b, k)),
              input('x', sample('float16', a, 1)),
              input('y', sample('float16', b, 2)),
            ]
          : [input('a', sample('float32', a, 1)), input('b', sample('float32', b, 2))];
      const p = check(op, ins);
      for (const kernel of p.kernels) assertMapShape(kernel);
    });
  }
});

test('loop extents after collapsing', () => {
  const extents = (a: number[], b: number[]) =>
    loops(
      check('Add', [input('a', sample('float32', a, 1)), input('b', sample('float32', b, 2))]).kernels[0]!,
    ).map((l) => l.extent);
  assert.deepEqual(extents([1, 3, 5, 4], [1, 3, 5, 4]), [60]);
  assert.deepEqual(extents([1, 3, 5, 4], []), [60]);
  assert.deepEqual(extents([1, 3, 5, 4], [4]), [15, 4]);
  assert.deepEqual(extents([1, 3, 5, 4], [3, 1, 1]), [3, 20]);
  assert.deepEqual(extents([1, 3, 5, 4], [1, 1, 5, 4]), [3, 20]);
  assert.deepEqual(extents([1, 3, 5, 4], [5, 1]), [3, 5, 4]);
  assert.deepEqual(extents([3, 1, 4], [1, 3, 5, 1]), [3, 5, 4]);
  assert.deepEqual(extents([], []), []);
});

test('kernel names follow <op>_<variant>_<dtype>', () => {
  const name = (op: string, ins: Parameters<typeof check>[1], attrs = {}) =>
    check(op, ins, attrs, { atol: 1e-6, rtol: 1e-5 }).kernels[0]!.name;
  const f = (shape: number[], seed = 1) => sample('float32', shape, seed);
  assert.equal(name('Add', [input('a', f([7])), input('b', f([7]))]), 'add_f32');
  assert.equal(name('Add', [input('a', f([7])), input('b', f([1]))]), 'add_scalar_f32');
  assert.equal(name('Add', [input('a', f([7])), input('b', f([1]), true)]), 'add_f32');
  assert.equal(name('Add', [input('a', f([2, 7])), input('b', f([7]))]), 'add_bcast_f32');
  assert.equal(name('GreaterOrEqual', [input('a', f([7])), input('b', f([7]))]), 'greater_or_equal_f32');
  assert.equal(name('Relu', [input('x', sample('int8', [7], 1))]), 'relu_i8');
  assert.equal(name('HardSwish', [input('x', f([7]))]), 'hard_swish_f32');
  assert.equal(name('Cast', [input('x', f([7]))], { to: int(codeOfDType('int64')) }), 'cast_f32_i64');
  assert.equal(name('Sum', [input('a', f([7])), input('b', f([7])), input('c', f([7]))]), 'sum_3x_f32');
  assert.equal(
    name('Pow', [input('a', f([7])), input('b', sample('int64', [7], 1, { range: [0, 3] }))]),
    'pow_f32_i64',
  );
});

test('empty outputs lower to no kernels; scalars to a body without loops', () => {
  for (const [a, b] of [
    [[0, 3], [3]],
    [[2, 0], [1]],
    [[0], []],
  ]) {
    const p = check('Mul', [input('a', sample('int32', a!, 1)), input('b', sample('int32', b!, 2))]);
    assert.equal(p.kernels.length, 0);
  }
  assert.equal(check('Gelu', [input('x', sample('float32', [3, 0], 1))]).kernels.length, 0);
  const p = check('Gelu', [input('x', sample('float32', [], 1))], {}, { atol: 1e-6, rtol: 1e-5 });
  assert.equal(loops(p.kernels[0]!).length, 0);
});

test('a formula reads each operand once: repeated uses go through locals', () => {
  const k = check('Mish', [input('x', sample('float32', [7], 1))], {}, { atol: 1e-6, rtol: 1e-5 })
    .kernels[0]!;
  const loads = JSON.stringify(k.body).match(/"op":"load"/g) ?? [];
  assert.equal(loads.length, 1);
});

import { byteSize } from '../../../ir/dtype.js';
import type { Expr } from '../../kernel/ir.js';
import { legacyAlign } from '../../../ops/elementwise/types.js';
import { LoweringUnsupported, type LowerContext } from '../lowering.js';
import { attrNumber, envOf, inputOf, operandOf, outputOf, type Env } from './common.js';
import { registerMapLowerings, type MapLowering } from './map-registry.js';
import { floorMod } from './math.js';
import { dtypeName, snake } from './names.js';

/**
 * Two-input ops over one shared dtype with numpy broadcasting: each is only its scalar formula. The
 * IR's integer ops already wrap and divide as the reference does (truncating; 0 for a zero divisor,
 * INT_MIN / -1 = INT_MIN), and `Num` picks the unsigned forms for uint dtypes.
 */
export type BinaryFormula = (a: Expr, b: Expr, e: Env) => Expr;

function shift(left: boolean): BinaryFormula {
  // a shift by the bit width or more gives 0 (the IR masks the count as wasm does)
  return (a, b, { n, s, dtype }) => {
    const count = s.let(b);
    const shifted = left ? n.shl(a, count) : n.shr(a, count);
    return n.sel(n.ge(count, n.c(byteSize(dtype) * 8)), n.c(0), shifted);
  };
}

/** 2^-126, the smallest normal float32. */
const MIN_NORMAL_F32 = 1.1754943508222875e-38;

/**
 * float32 products and quotients below the normal range become +0, as flush-to-zero hardware gives.
 * Wasm cannot set FTZ/DAZ, and on x86 every later multiply that reads a subnormal takes a microcode
 * assist: efficientnet_b0's squeeze-excite products (activation x a sigmoid near 0) made the GEMMs
 * that read them 10x slower. NaN compares false and passes through.
 */
function flushed(r: Expr, { n, s, dtype }: Env): Expr {
  if (dtype !== 'float32') return r;
  const v = s.let(r);
  return n.sel(n.lt(n.abs(v), n.c(MIN_NORMAL_F32)), n.c(0), v);
}

export const BINARY: Readonly<Record<string, BinaryFormula>> = {
  Add: (a, b, { n }) => n.add(a, b),
  Sub: (a, b, { n }) => n.sub(a, b),
  Mul: (a, b, e) => flushed(e.n.mul(a, b), e),
  Div: (a, b, e) => flushed(e.n.div(a, b), e),
  // fmod=1 is C's remainder (sign of the dividend), fmod=0 the floored one (sign of the divisor)
  Mod: (a, b, e) => (attrNumber(e, 'fmod') ? e.n.rem(a, b) : floorMod(e.n, e.s, a, b)),
  Equal: (a, b, { n }) => n.eq(a, b),
  Greater: (a, b, { n }) => n.gt(a, b),
  GreaterOrEqual: (a, b, { n }) => n.ge(a, b),
  Less: (a, b, { n }) => n.lt(a, b),
  LessOrEqual: (a, b, { n }) => n.le(a, b),
  And: (a, b, { n }) => n.and(a, b),
  Or: (a, b, { n }) => n.or(a, b),
  Xor: (a, b, { n }) => n.xor(a, b),
  BitwiseAnd: (a, b, { n }) => n.and(a, b),
  BitwiseOr: (a, b, { n }) => n.or(a, b),
  BitwiseXor: (a, b, { n }) => n.xor(a, b),
  BitShift: (a, b, e) => {
    const direction = e.attrs.direction;
    if (direction !== 'LEFT' && direction !== 'RIGHT') {
      throw new LoweringUnsupported(`BitShift direction must be LEFT or RIGHT, found ${String(direction)}`);
    }
    return shift(direction === 'LEFT')(a, b, e);
  },
  // slope broadcasts to X; NaN in x passes through; unsigned x is never negative
  PRelu: (a, b, { n, s }) => {
    const x = s.let(a);
    return n.sel(n.lt(x, n.c(0)), n.mul(b, x), x);
  },
};

/** Input 1's shape aligned for broadcasting: opset < 7's `axis` (internal `legacy_axis`) pads it on the right. */
export function alignedSecond(ctx: LowerContext): readonly number[] {
  const axis = ctx.attrs.legacy_axis;
  return legacyAlign(
    inputOf(ctx, 0).shape,
    inputOf(ctx, 1).shape,
    typeof axis === 'number' ? axis : undefined,
  );
}

function binaryLowering(op: string, formula: BinaryFormula): MapLowering {
  return (ctx) => {
    const a = inputOf(ctx, 0);
    const b = inputOf(ctx, 1);
    return {
      op: snake(op),
      suffix: dtypeName(a.dtype),
      operands: [operandOf(a), operandOf(b, alignedSecond(ctx))],
      out: outputOf(ctx),
      body: (s, [x, y]) => formula(x!, y!, envOf(ctx, a.dtype, s)),
    };
  };
}

registerMapLowerings(
  Object.fromEntries(Object.entries(BINARY).map(([op, f]) => [op, binaryLowering(op, f)])),
);

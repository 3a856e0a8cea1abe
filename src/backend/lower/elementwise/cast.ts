import { byteSize, isFloat, type DType } from '../../../ir/dtype.js';
import { computeType } from '../../kernel/build.js';
import { registerLowerings } from '../registry.js';
import { LoweringUnsupported, type Lowering, type LowerContext } from '../lowering.js';
import { inputOf, outputOf } from './common.js';
import { castExpr, copyDType } from './convert.js';
import { mapLowered, operand } from './map.js';
import { dtypeName } from './names.js';
import { to } from './scalar.js';

/**
 * Cast and CastLike (the target dtype is the output's; a cast to the same dtype is a view), and
 * BitCast between same-width dtypes.
 */
const cast: Lowering = (ctx) => {
  const x = inputOf(ctx, 0);
  const out = outputOf(ctx);
  if (x.dtype === out.dtype) return { aliasOf: 0 };
  return mapLowered(ctx, {
    op: 'cast',
    suffix: `${dtypeName(x.dtype)}_${dtypeName(out.dtype)}`,
    operands: [operand(x)],
    out,
    body: (s, [v]) => castExpr(s, v!, x.dtype, out.dtype),
  });
};

/**
 * Moves each element's bytes unchanged: halves as uint16, and integers through the IR's wrapping
 * load/store (int8 -> uint8 keeps the bits). The IR cannot reinterpret float bits as an integer
 * (or back), so float32/float64 <-> 32/64-bit integers are refused.
 */
function bitCopy(ctx: LowerContext, from: DType, dst: DType) {
  const x = inputOf(ctx, 0);
  const [src, dstBits] = [copyDType(from), copyDType(dst)];
  if ((isFloat(src) || isFloat(dstBits)) && src !== dstBits) {
    throw new LoweringUnsupported(
      `BitCast from ${from} to ${dst} needs a bit reinterpretation the kernel IR lacks`,
    );
  }
  return mapLowered(ctx, {
    op: 'bitcast',
    suffix: `${dtypeName(from)}_${dtypeName(dst)}`,
    operands: [operand(x, x.shape, src === from ? undefined : src)],
    out: outputOf(ctx),
    storeAs: dstBits,
    body: (_s, [v]) => to(v!, computeType(dstBits)),
  });
}

const bitCast: Lowering = (ctx) => {
  const from = inputOf(ctx, 0).dtype;
  const dst = outputOf(ctx).dtype;
  if (byteSize(from) !== byteSize(dst))
    throw new LoweringUnsupported(`BitCast from ${from} to ${dst} changes the width`);
  return from === dst ? { aliasOf: 0 } : bitCopy(ctx, from, dst);
};

registerLowerings({ Cast: cast, CastLike: cast, BitCast: bitCast });

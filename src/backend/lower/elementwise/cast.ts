import { byteSize } from '../../../ir/dtype.js';
import { registerLowerings } from '../registry.js';
import { LoweringUnsupported, type Lowering } from '../lowering.js';
import { inputOf, outputOf } from './common.js';
import { castExpr } from './convert.js';
import { operand } from './map.js';
import { registerMapLowerings, type MapLowering } from './map-registry.js';
import { dtypeName } from './names.js';

/**
 * Cast and CastLike (the target dtype is the output's; a cast to the same dtype is a view), and
 * BitCast between same-width dtypes.
 */
const cast: MapLowering = (ctx) => {
  const x = inputOf(ctx, 0);
  const out = outputOf(ctx);
  if (x.dtype === out.dtype) return { aliasOf: 0 };
  return {
    op: 'cast',
    suffix: `${dtypeName(x.dtype)}_${dtypeName(out.dtype)}`,
    operands: [operand(x)],
    out,
    body: (s, [v]) => castExpr(s, v!, x.dtype, out.dtype),
  };
};

/** BitCast keeps the bytes and changes their dtype: a view, at no run-time cost. */
const bitCast: Lowering = (ctx) => {
  const from = inputOf(ctx, 0).dtype;
  const dst = outputOf(ctx).dtype;
  if (byteSize(from) !== byteSize(dst))
    throw new LoweringUnsupported(`BitCast from ${from} to ${dst} changes the width`);
  return { aliasOf: 0 };
};

registerMapLowerings({ Cast: cast, CastLike: cast });
registerLowerings({ BitCast: bitCast });

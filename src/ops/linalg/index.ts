import { storingActivations, type AnyOpDef } from '../op.js';
import { col2im } from './col2im.js';
import { convInteger, qLinearConv } from './conv-quantized.js';
import { convTranspose } from './conv-transpose.js';
import { conv } from './conv.js';
import { deformConv } from './deform-conv.js';
import { det } from './det.js';
import { einsum } from './einsum.js';
import { fusedConv, fusedGemm, fusedMatMul } from './fused.js';
import { gemm } from './gemm.js';
import { matMulInteger, qLinearMatMul } from './matmul-quantized.js';
import { matMul } from './matmul.js';
import { averagePool, globalAveragePool, globalLpPool, lpPool } from './pool-average.js';
import { globalMaxPool, maxPool, maxUnpool } from './pool-max.js';
import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from './quantize.js';

/** Linear algebra, convolution, pooling and quantization. */
export const linalgOps: readonly AnyOpDef[] = [
  matMul,
  gemm,
  einsum,
  det,
  matMulInteger,
  qLinearMatMul,
  conv,
  convTranspose,
  convInteger,
  qLinearConv,
  deformConv,
  col2im,
  // windows of a few values, accumulated in float32
  ...storingActivations('convert', [maxPool, globalMaxPool, averagePool, globalAveragePool]),
  maxUnpool,
  lpPool,
  globalLpPool,
  quantizeLinear,
  dequantizeLinear,
  dynamicQuantizeLinear,
  fusedConv,
  fusedGemm,
  fusedMatMul,
];

import { storingActivations, type AnyOpDef } from '../op.js';
import { activationOps } from './activations.js';
import { arithOps } from './arith.js';
import { castOps } from './cast.js';
import { clipOps } from './clip.js';
import { fusedElementwise } from './fused.js';
import { logicOps } from './logic.js';
import { unaryMathOps } from './unary.js';
import { variadicOps } from './variadic.js';

export const elementwiseOps: readonly AnyOpDef[] = [
  // arithmetic in float32 on widened values; Cast and BitCast read their input's declared type
  ...storingActivations('convert', [
    ...unaryMathOps,
    ...activationOps,
    ...clipOps,
    ...arithOps,
    ...logicOps,
    ...variadicOps,
    fusedElementwise,
  ]),
  ...castOps,
];

import type { AnyOpDef } from '../op.js';
import { affineGridOp } from './affine-grid.js';
import { dftOp } from './dft.js';
import { gridSampleOp } from './grid-sample.js';
import { melWeightMatrixOp } from './mel.js';
import { nonMaxSuppressionOp } from './nms.js';
import { randomOps } from './random.js';
import { resizeOp } from './resize.js';
import { roiAlignOp } from './roi-align.js';
import { stftOp } from './stft.js';
import { blackmanWindowOp, hammingWindowOp, hannWindowOp } from './windows.js';

/** Image, signal and random ops: resampling, spectral transforms, windows, seeded generators. */
export const imageOps: readonly AnyOpDef[] = [
  resizeOp,
  gridSampleOp,
  affineGridOp,
  roiAlignOp,
  nonMaxSuppressionOp,
  dftOp,
  stftOp,
  hannWindowOp,
  hammingWindowOp,
  blackmanWindowOp,
  melWeightMatrixOp,
  ...randomOps,
];

import type { AnyOpDef } from '../op.js';
import { resizeOp } from './resize.js';

/** Image, signal and random ops: resampling, spectral transforms, windows, seeded generators. */
export const imageOps: readonly AnyOpDef[] = [resizeOp];

/**
 * Auto-cast: which float32 data the compiler stores in a 16-bit float type. Arithmetic accumulates
 * in float32 in every mode, and the model's inputs and outputs keep their declared dtypes.
 *  - 'none':    nothing is cast (the default);
 *  - 'matmult': the weights of MatMul, Gemm, Conv and ConvTranspose and the tables Gather reads
 *               (embeddings) are stored in the 16-bit type;
 *  - 'all':     in addition, activations between kernels are stored in it, except where the op
 *               registry says an op needs float32 (statistics, softmax denominators, ...).
 * Spelled as neuronx-cc users know it (--auto-cast, --auto-cast-type); neuron-cc's older
 * --fp32-cast and --fast-math values are accepted as aliases.
 */
import { NccError } from '../errors.js';

export type AutoCastMode = 'none' | 'matmult' | 'all';
export type HalfType = 'bfloat16' | 'float16';

export interface AutoCast {
  readonly mode: AutoCastMode;
  readonly type: HalfType;
}

export const NO_AUTO_CAST: AutoCast = { mode: 'none', type: 'bfloat16' };

const MODES: readonly AutoCastMode[] = ['none', 'matmult', 'all'];
const TYPES: Readonly<Record<string, HalfType>> = { bf16: 'bfloat16', fp16: 'float16' };

/** neuron-cc's --fp32-cast values. */
const FP32_CAST: Readonly<Record<string, AutoCast | { readonly mode: AutoCastMode }>> = {
  none: { mode: 'none' },
  all: { mode: 'all' },
  'all-bf16': { mode: 'all', type: 'bfloat16' },
  'all-fp16': { mode: 'all', type: 'float16' },
  matmult: { mode: 'matmult' },
  'matmult-bf16': { mode: 'matmult', type: 'bfloat16' },
  'matmult-fp16': { mode: 'matmult', type: 'float16' },
};

/** neuron-cc's --fast-math values; the relayout ones concern its hardware's transposes and change nothing here. */
const FAST_MATH: Readonly<Record<string, AutoCast | { readonly mode: AutoCastMode } | 'layout'>> = {
  none: { mode: 'none' },
  all: { mode: 'all' },
  'fp32-cast-all': { mode: 'all' },
  'fp32-cast-all-fp16': { mode: 'all', type: 'float16' },
  'fp32-cast-matmult': { mode: 'matmult' },
  'fp32-cast-matmult-bf16': { mode: 'matmult', type: 'bfloat16' },
  'fp32-cast-matmult-fp16': { mode: 'matmult', type: 'float16' },
  'fast-relayout': 'layout',
  'no-fast-relayout': 'layout',
};

export interface AutoCastFlags {
  readonly autoCast?: string;
  readonly autoCastType?: string;
  readonly fp32Cast?: string;
  /** One value or several (neuron-cc took a space-separated list). */
  readonly fastMath?: string | readonly string[];
}

/** The flags as one setting; contradicting flags are NCC_BAD_OPTION, never a silent pick. */
export function parseAutoCast(flags: AutoCastFlags): AutoCast {
  const said: { flag: string; mode: AutoCastMode; type?: HalfType }[] = [];
  if (flags.autoCast !== undefined) {
    const mode = flags.autoCast.toLowerCase();
    if (!MODES.includes(mode as AutoCastMode))
      throw bad(`--auto-cast ${flags.autoCast}`, `use ${MODES.join(', ')}`);
    said.push({ flag: `--auto-cast ${flags.autoCast}`, mode: mode as AutoCastMode });
  }
  if (flags.fp32Cast !== undefined) {
    const alias = FP32_CAST[flags.fp32Cast.toLowerCase()];
    if (!alias) throw bad(`--fp32-cast ${flags.fp32Cast}`, `use ${Object.keys(FP32_CAST).join(', ')}`);
    said.push({ flag: `--fp32-cast ${flags.fp32Cast}`, ...alias });
  }
  const fastMath =
    typeof flags.fastMath === 'string' ? flags.fastMath.split(/[\s,]+/) : (flags.fastMath ?? []);
  for (const value of fastMath.filter((v) => v !== '')) {
    const alias = FAST_MATH[value.toLowerCase()];
    if (!alias) throw bad(`--fast-math ${value}`, `use ${Object.keys(FAST_MATH).join(', ')}`);
    if (alias !== 'layout') said.push({ flag: `--fast-math ${value}`, ...alias });
  }
  let type: HalfType | undefined;
  let typeFlag = '';
  if (flags.autoCastType !== undefined) {
    type = TYPES[flags.autoCastType.toLowerCase()];
    if (!type) throw bad(`--auto-cast-type ${flags.autoCastType}`, 'use bf16 or fp16');
    typeFlag = `--auto-cast-type ${flags.autoCastType}`;
  }
  for (const s of said) {
    if (s.type === undefined) continue;
    if (type !== undefined && type !== s.type) throw conflict(typeFlag, s.flag);
    type = s.type;
    typeFlag = s.flag;
  }
  const [first, ...rest] = said;
  for (const s of rest) if (s.mode !== first!.mode) throw conflict(first!.flag, s.flag);
  return { mode: first?.mode ?? 'none', type: type ?? 'bfloat16' };
}

/** How the setting reads in summaries and metadata, e.g. 'matmult (bf16)'. */
export function describeAutoCast(a: AutoCast): string {
  return a.mode === 'none' ? 'none' : `${a.mode} (${a.type === 'bfloat16' ? 'bf16' : 'fp16'})`;
}

function bad(what: string, hint: string): NccError {
  return new NccError('NCC_BAD_OPTION', `${what} is not an auto-cast setting`, { hint });
}

function conflict(a: string, b: string): NccError {
  return new NccError('NCC_BAD_OPTION', `${a} and ${b} ask for different auto-casts`, {
    hint: 'give one of them (--auto-cast and --auto-cast-type are the current spellings)',
  });
}

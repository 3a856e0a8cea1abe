import { NccError } from '../../errors.js';
import { FRAMEWORKS, type Framework } from '../../driver/load-model.js';

/** neuron-cc accepts framework names in any case (ONNX, TENSORFLOW, ...). */
export function parseFramework(name: string): Framework {
  const f = name.toLowerCase();
  if ((FRAMEWORKS as readonly string[]).includes(f)) return f as Framework;
  throw new NccError('NCC_BAD_OPTION', `unknown framework '${name}'`, {
    hint: `use one of: ${FRAMEWORKS.join(', ')}`,
  });
}

/** 0 errors only, 1 warnings, 2 info (progress), 3 debug. */
export type Verbosity = 0 | 1 | 2 | 3;

const LEVELS: Readonly<Record<string, Verbosity>> = { ERROR: 0, WARN: 1, WARNING: 1, INFO: 2, DEBUG: 3 };

/** `--verbose` alone means INFO; a level name or number may follow, as in neuron-cc. */
export function parseVerbosity(v: string | boolean | undefined): Verbosity {
  if (v === undefined || v === false) return 1;
  if (v === true) return 2;
  const byName = LEVELS[v.toUpperCase()];
  if (byName !== undefined) return byName;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 0 && n <= 3) return n as Verbosity;
  throw new NccError('NCC_BAD_OPTION', `--verbose ${v} is not a level`, {
    hint: 'use DEBUG, INFO, WARN, ERROR or 0-3',
  });
}

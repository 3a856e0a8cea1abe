import {
  SKIPPED_CASES,
  SKIPPED_DTYPES,
  SKIPPED_KINDS,
  SKIPPED_NONDETERMINISTIC,
  SKIPPED_OPS,
  HOST_OPS,
} from './skips.js';

/** One case's entry in the suite's index.json. */
export interface IndexEntry {
  readonly op_types: readonly string[];
  readonly inputs: readonly IoEntry[];
  readonly outputs: readonly IoEntry[];
  readonly opset_import?: Readonly<Record<string, number>>;
}

interface IoEntry {
  readonly kind: string;
  readonly elem_type?: string;
  readonly elem?: IoEntry;
}

/**
 * The reason a case is skipped, from the explicit skip list, or undefined when it is attempted.
 * `hostOps`: whether cases with host ops run (the reference mode; the compiled mode partitions them).
 */
export function skipReason(name: string, entry: IndexEntry, hostOps: boolean): string | undefined {
  const byCase = SKIPPED_CASES[name];
  if (byCase) return byCase;
  for (const io of [...entry.inputs, ...entry.outputs]) {
    if (io.kind !== 'tensor') return `${io.kind} I/O: ${SKIPPED_KINDS[io.kind] ?? 'not a tensor'}`;
    const reason = io.elem_type ? SKIPPED_DTYPES[io.elem_type] : undefined;
    if (reason) return `${io.elem_type}: ${reason}`;
  }
  for (const op of entry.op_types) {
    const reason = SKIPPED_OPS[op] ?? SKIPPED_NONDETERMINISTIC[op] ?? (hostOps ? undefined : HOST_OPS[op]);
    if (reason) return `${op}: ${reason}`;
  }
  return undefined;
}

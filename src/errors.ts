/**
 * The one error type of neuron-cc. Every failure a user can cause carries a stable code, what it
 * concerns, and a hint that says how to fix it.
 */
export type ErrorCode =
  | 'NCC_BAD_MODEL'
  | 'NCC_BAD_INPUT'
  | 'NCC_BAD_OPTION'
  | 'NCC_UNSUPPORTED_OP'
  | 'NCC_UNSUPPORTED_DTYPE'
  /** A program construct a static tensor graph cannot express (data-dependent control flow, non-tensor I/O). */
  | 'NCC_UNSUPPORTED_CONSTRUCT'
  | 'NCC_DYNAMIC_SHAPE'
  | 'NCC_SHAPE_MISMATCH'
  | 'NCC_INVALID_GRAPH'
  | 'NCC_FILE_NOT_FOUND'
  | 'NCC_INTERNAL'
  /** A compute thread (worker) failed or died at run time: the loaded model cannot run any more. */
  | 'NCC_THREAD_FAILED'
  /** The compile service refused or stopped work past one of its limits (upload size, compile time or memory). */
  | 'NCC_LIMIT_EXCEEDED'
  | 'NEFF_CORRUPT'
  | 'NEFF_VERSION'
  | 'NEFF_UNSUPPORTED_HOST';

export interface ErrorSubject {
  readonly node?: string;
  readonly op?: string;
  readonly value?: string;
  readonly file?: string;
}

export class NccError extends Error {
  readonly code: ErrorCode;
  readonly subject: ErrorSubject;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: ErrorSubject & { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NccError';
    this.code = code;
    const { hint, cause: _cause, ...subject } = options;
    this.subject = subject;
    this.hint = hint;
  }

  /** One or two lines for the terminal: code, message, what it concerns, and the hint. */
  format(): string {
    const where = [
      this.subject.file && `file ${this.subject.file}`,
      this.subject.node !== undefined && `node '${this.subject.node}'`,
      this.subject.op && `op ${this.subject.op}`,
      this.subject.value !== undefined && `value '${this.subject.value}'`,
    ].filter(Boolean);
    const head = `error ${this.code}: ${this.message}${where.length ? ` (${where.join(', ')})` : ''}`;
    return this.hint ? `${head}\n  hint: ${this.hint}` : head;
  }
}

export function isNccError(e: unknown): e is NccError {
  return e instanceof NccError;
}

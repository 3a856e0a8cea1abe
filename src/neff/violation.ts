/**
 * A broken rule of the NEFF format, found by a shared check. The reader reports it as NEFF_CORRUPT
 * (the file is bad); the writer as NCC_INTERNAL (the compiler built bad contents). One set of checks
 * thus guarantees that what the writer accepts, the reader accepts too.
 */
export class Violation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Violation';
  }
}

export function violation(message: string): never {
  throw new Violation(message);
}

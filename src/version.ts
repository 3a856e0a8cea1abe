/** The compiler version: recorded in every artifact, part of every cache key. */
export const VERSION = '0.1.0';

/**
 * What the runtime relies on in a threads module (docs/neff.md, "Threads"): the control words in the
 * reserved bytes below the weights, run's status codes, and the custom section with the thread limit.
 * The compiler's side is src/backend/wasm/threads.ts; test/runtime/threads-abi.test.ts keeps the two
 * equal (the runtime may not import the compiler).
 */
export const CONTROL = {
  /** Bumped by the last thread to reach a barrier; sleepers wait on it. */
  generation: 4,
  /** Non-zero makes every barrier return `aborted`. */
  abort: 8,
} as const;

export const STATUS = { done: 0, aborted: 1, waiting: 2 } as const;

/** UTF-8 JSON { "max": n }: the most threads the schedule has work for. */
export const THREADS_SECTION = 'neuron-cc.threads';

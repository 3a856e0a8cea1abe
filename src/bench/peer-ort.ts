/**
 * What both onnxruntime packages share: the subset of their API the bench uses (typed here so that
 * neither package is needed to build neuron-cc), and their session as a bench Session.
 */
import type { Feed, Outputs } from './feeds.js';
import type { RuntimeId } from './protocol.js';
import type { Session } from './runtimes.js';

export interface OrtTensor {
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
}

export interface OrtSession {
  run(feeds: Readonly<Record<string, OrtTensor>>): Promise<Readonly<Record<string, OrtTensor>>>;
  release(): Promise<void>;
  /** Internal: the backend's session handler, looked at to verify which backend runs. */
  readonly handler?: object;
}

export interface OrtModule {
  readonly InferenceSession: {
    create(path: string, options: Readonly<Record<string, unknown>>): Promise<OrtSession>;
  };
  readonly Tensor: new (type: string, data: Feed['data'], dims: readonly number[]) => OrtTensor;
  readonly env: { wasm: { numThreads?: number; simd?: boolean } };
}

/**
 * Session options for both peers. Spinning is off: a thread pool that spins after its run keeps a
 * core busy while the next runtime of an interleaved round runs, slowing that one down; measured on
 * this machine, onnxruntime-node's own latency alone does not change with it.
 */
export function sessionOptions(
  threads: number,
  executionProviders: readonly string[],
): Record<string, unknown> {
  return {
    executionProviders,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export class OrtBenchSession implements Session {
  readonly features: readonly string[] = [];
  private readonly sets: readonly Readonly<Record<string, OrtTensor>>[];

  constructor(
    readonly runtime: RuntimeId,
    readonly backend: string,
    private readonly session: OrtSession,
    ort: OrtModule,
    feeds: readonly (readonly Feed[])[],
  ) {
    this.sets = feeds.map((set) =>
      Object.fromEntries(set.map((f) => [f.name, new ort.Tensor(f.dtype, f.data, f.shape)])),
    );
  }

  async run(set: number): Promise<Outputs> {
    const out = await this.session.run(this.sets[set]!);
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.data]));
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

/** The class name of a session's handler: onnxruntime-node's native one, or another backend's. */
export function handlerName(session: OrtSession): string {
  const handler = session.handler;
  if (handler === undefined) return 'unknown';
  if ('sessionId' in handler) return 'wasm';
  return handler.constructor.name;
}

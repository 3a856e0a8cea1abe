/** neuron-cc's runtime behind the bench's Session interface: load(neff, { threads }) and run(). */
import { load, type Feeds, type Model, type TypedArray } from '../runtime/index.js';
import type { Feed } from './feeds.js';
import type { KernelTime, OpenOptions, RuntimeAdapter, Session } from './runtimes.js';
import type { NccRuntime } from './protocol.js';

export function nccAdapter(runtime: NccRuntime = 'neuron-cc'): RuntimeAdapter {
  return {
    async open({ files, threads, feeds }: OpenOptions): Promise<Session> {
      const neff = {
        'neuron-cc': files.neff,
        'neuron-cc-bf16': files.neffCast,
        'neuron-cc-bf16-all': files.neffCastAll,
      };
      const model = await load(neff[runtime], { threads });
      return new NccSession(runtime, model, feeds.map(toFeeds));
    },
  };
}

class NccSession implements Session {
  readonly backend: string;
  readonly features: readonly string[];

  constructor(
    readonly runtime: NccRuntime,
    private readonly model: Model,
    private readonly sets: readonly Feeds[],
  ) {
    this.features = [...model.features];
    // the threads a run really uses (the runtime may run fewer than asked); older runtimes do not say
    const threads = (model as Partial<{ readonly threads: number }>).threads;
    this.backend = `wasm (${this.features.join('+')})${threads === undefined ? '' : `, ${threads} thread(s)`}`;
  }

  run(set: number): Promise<Readonly<Record<string, TypedArray>>> {
    return this.model.run(this.sets[set]!);
  }

  async profile(set: number, runs: number): Promise<readonly KernelTime[]> {
    const timings = await this.model.profile(this.sets[set]!, { runs });
    return timings.map((k) => ({ node: k.node, op: k.op, flops: k.flops, ms: k.ms }));
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}

function toFeeds(feeds: readonly Feed[]): Feeds {
  return Object.fromEntries(feeds.map((f) => [f.name, f.data]));
}

/**
 * The service's Prometheus metrics, in the text exposition format: jobs by state, cache hits and
 * misses, requests by route and status, and a histogram of compile seconds.
 */

const BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class Metrics {
  cacheHits = 0;
  cacheMisses = 0;
  /** Identical requests that joined a compile already queued or running. */
  joined = 0;
  private readonly compileCounts = new Map<'done' | 'failed', number>();
  private readonly buckets = BUCKETS.map(() => 0);
  private compileCount = 0;
  private compileSum = 0;
  private readonly requests = new Map<string, number>();

  compiled(outcome: 'done' | 'failed', seconds: number): void {
    this.compileCounts.set(outcome, (this.compileCounts.get(outcome) ?? 0) + 1);
    this.compileCount++;
    this.compileSum += seconds;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.buckets[i]!++;
    });
  }

  request(route: string, status: number): void {
    const key = `route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** The exposition text; `jobs` is the current count per state. */
  render(jobs: Readonly<Record<string, number>>): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
    };
    metric(
      'neuron_cc_jobs',
      'gauge',
      'Compile jobs the service knows, by state.',
      Object.entries(jobs).map(([state, n]) => [`state="${state}"`, n]),
    );
    metric('neuron_cc_cache_hits_total', 'counter', 'Compile requests answered from the artifact cache.', [
      ['', this.cacheHits],
    ]);
    metric('neuron_cc_cache_misses_total', 'counter', 'Compile requests that started a compile.', [
      ['', this.cacheMisses],
    ]);
    metric(
      'neuron_cc_compile_joined_total',
      'counter',
      'Compile requests that joined an identical compile in progress.',
      [['', this.joined]],
    );
    metric(
      'neuron_cc_compiles_total',
      'counter',
      'Compiles finished, by outcome.',
      (['done', 'failed'] as const).map((o) => [`outcome="${o}"`, this.compileCounts.get(o) ?? 0]),
    );
    lines.push(
      '# HELP neuron_cc_compile_seconds Wall time of compiles (child process start to result).',
      '# TYPE neuron_cc_compile_seconds histogram',
      ...BUCKETS.map((le, i) => `neuron_cc_compile_seconds_bucket{le="${le}"} ${this.buckets[i]}`),
      `neuron_cc_compile_seconds_bucket{le="+Inf"} ${this.compileCount}`,
      `neuron_cc_compile_seconds_sum ${this.compileSum}`,
      `neuron_cc_compile_seconds_count ${this.compileCount}`,
    );
    metric('neuron_cc_http_requests_total', 'counter', 'HTTP requests by route and status.', [
      ...this.requests,
    ]);
    metric('neuron_cc_resident_bytes', 'gauge', "The service process's resident set size.", [
      ['', process.memoryUsage.rss()],
    ]);
    return `${lines.join('\n')}\n`;
  }
}

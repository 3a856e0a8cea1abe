/**
 * What stops a TorchScript program from compiling, collected over one whole run so that the error
 * lists every unsupported op and construct at once, each with where it occurs.
 */
import { NccError } from '../../errors.js';
import { unsupportedOpsError } from '../../passes/check-supported.js';

/** Ops that draw random numbers: a compiled model is a fixed function of its inputs. */
const RANDOM_OPS = new Set([
  'aten::rand',
  'aten::randn',
  'aten::rand_like',
  'aten::randn_like',
  'aten::randint',
  'aten::randint_like',
  'aten::randperm',
  'aten::normal',
  'aten::normal_',
  'aten::uniform_',
  'aten::bernoulli',
  'aten::bernoulli_',
  'aten::multinomial',
  'aten::poisson',
  'aten::_standard_gamma',
  'aten::_sample_dirichlet',
  'aten::exponential_',
  'aten::geometric_',
  'aten::cauchy_',
  'aten::log_normal_',
]);

export class Problems {
  /** Unsupported op (with why, when a mapping refused one case) -> where it is called. */
  private readonly ops = new Map<string, string[]>();
  /** Unsupported construct -> where. */
  private readonly constructs = new Map<string, string[]>();

  op(name: string, where: string, why?: string): void {
    const key = why ? `${name} (${why})` : RANDOM_OPS.has(name) ? `${name} (random sampling)` : name;
    add(this.ops, key, where);
  }

  construct(what: string, where: string): void {
    add(this.constructs, what, where);
  }

  get empty(): boolean {
    return this.ops.size === 0 && this.constructs.size === 0;
  }

  /** One error naming everything found; NCC_UNSUPPORTED_OP when any op is among it. */
  error(file: string): NccError {
    const hint =
      'neuron-cc compiles tensor programs with static shapes: `neuron-cc list-operators --framework pytorch` ' +
      'lists the ops it maps; trace or script the model without the listed parts, or keep them in PyTorch';
    const constructs = [...this.constructs].map(([what, where]) => `${what} (${places(where)})`);
    if (this.ops.size === 0) {
      return new NccError(
        'NCC_UNSUPPORTED_CONSTRUCT',
        `the TorchScript program uses what cannot be compiled: ${constructs.join('; ')}`,
        { file, hint },
      );
    }
    const e = unsupportedOpsError(this.ops, { what: 'TorchScript ops not supported', file, hint });
    if (constructs.length === 0) return e;
    return new NccError('NCC_UNSUPPORTED_OP', `${e.message}; and constructs: ${constructs.join('; ')}`, {
      ...e.subject,
      hint,
    });
  }
}

function add(map: Map<string, string[]>, key: string, where: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(where)) list.push(where);
  map.set(key, list);
}

function places(where: readonly string[]): string {
  return where.slice(0, 3).join(', ') + (where.length > 3 ? `, ... ${where.length} places` : '');
}

/**
 * MXNet symbol + parameters -> IR graph. Only what the requested outputs depend on is converted;
 * every op on that path must have a mapping, and one NCC_UNSUPPORTED_OP lists all that do not
 * (and the attribute values a mapping refuses). `null` nodes are weights when the .params file has
 * them (`arg:` or `aux:`), graph inputs otherwise; a loss head's `*_label` input is dropped.
 * Outputs are named as MXNet's list_outputs() names them: `<node>_output`, `<node>_output<k>` for
 * ops with several, a variable's own name.
 */
import type { Graph, ValueInfo } from '../../ir/graph.js';
import type { DType } from '../../ir/dtype.js';
import { NccError } from '../../errors.js';
import { unsupportedOpsError } from '../../passes/check-supported.js';
import { GraphBuilder } from '../graph-builder.js';
import { MxAttrs } from './attrs.js';
import { MX_OPS } from './ops/index.js';
import { MxOpContext, MxUnsupported } from './op-context.js';
import type { MxParams } from './params.js';
import type { MxInput, MxSymbol } from './symbol.js';

export interface MxConvertOptions {
  readonly file: string;
  readonly params: MxParams;
  readonly pinned: ReadonlyMap<
    string,
    { readonly shape: readonly number[]; readonly dtype: DType | undefined }
  >;
  /** Output names to keep (default: the symbol's heads). */
  readonly outputs?: readonly string[];
}

/** Loss heads: at inference they pass their first input on (or a softmax of it); labels are not read. */
const LOSS_OPS = new Set([
  'SoftmaxOutput',
  'Softmax',
  'LinearRegressionOutput',
  'LogisticRegressionOutput',
  'MAERegressionOutput',
  'SVMOutput',
  'MakeLoss',
]);

export function convertSymbol(sym: MxSymbol, options: MxConvertOptions): Graph {
  const names = outputNames(sym);
  const wanted = (options.outputs ?? sym.heads.map((h) => names.nameOf(h))).map((n) => {
    const at = names.byName.get(n);
    if (!at)
      throw new NccError('NCC_BAD_OPTION', `the symbol has no output '${n}'`, {
        file: options.file,
        hint: `its outputs are ${sym.heads.map((h) => names.nameOf(h)).join(', ')} (any node's <name>_output works)`,
      });
    return { name: n, at };
  });
  const needed = reachable(
    sym,
    wanted.map((w) => w.at.node),
  );
  const missingOps = new Map<string, string[]>();
  for (const i of needed) {
    const n = sym.nodes[i]!;
    if (n.op !== 'null' && !MX_OPS[n.op]) missingOps.set(n.op, [...(missingOps.get(n.op) ?? []), n.name]);
  }
  if (missingOps.size) throw unsupported(missingOps, options.file);
  const g = new GraphBuilder();
  g.reserve([...wanted.map((w) => w.name), ...sym.nodes.filter((n) => n.op === 'null').map((n) => n.name)]);
  bindVariables(sym, needed, g, options);
  const values = new Map<string, string>();
  for (const [i, n] of sym.nodes.entries())
    if (n.op === 'null' && g.typeOf(n.name)) values.set(`${i}:0`, n.name);
  const refused = new Map<string, string[]>();
  for (const i of [...needed].sort((a, b) => a - b)) {
    const n = sym.nodes[i]!;
    if (n.op === 'null') continue;
    const ins = n.inputs.map((x) => values.get(`${x.node}:${x.output}`));
    const attrs = new MxAttrs(n.attrs, `${n.op} '${n.name}'`);
    const ctx = new MxOpContext(g, n, attrs, (k) => {
      const v = ins[k];
      if (v === undefined) throw new Skip();
      return v;
    });
    try {
      const outs = MX_OPS[n.op]!.lower(ctx);
      outs.forEach((v, k) => values.set(`${i}:${k}`, v));
    } catch (e) {
      if (e instanceof Skip) continue;
      if (e instanceof MxUnsupported) {
        const key = `${n.op} (${e.message})`;
        refused.set(key, [...(refused.get(key) ?? []), n.name]);
        continue;
      }
      throw nodeError(e as Error, n.op, n.name, options.file);
    }
  }
  if (refused.size) throw unsupported(refused, options.file);
  const outputs: ValueInfo[] = wanted.map(({ name, at }) => {
    const v = values.get(`${at.node}:${at.output}`);
    if (v === undefined) throw new Error(`output ${name} was not computed`);
    const out = g.output(name, v);
    return { name: out, type: g.typeOf(out) ?? { dtype: 'float32', shape: undefined } };
  });
  return g.graph(outputs, options.file);
}

class Skip extends Error {}

/** Weights from the .params file as initializers, the other variables as (pinned) graph inputs. */
function bindVariables(
  sym: MxSymbol,
  needed: ReadonlySet<number>,
  g: GraphBuilder,
  options: MxConvertOptions,
): void {
  const labels = new Set<number>();
  for (const i of needed) {
    const n = sym.nodes[i]!;
    if (LOSS_OPS.has(n.op)) n.inputs.slice(1).forEach((x) => labels.add(x.node));
  }
  const missing: string[] = [];
  for (const i of [...needed].sort((a, b) => a - b)) {
    const n = sym.nodes[i]!;
    if (n.op !== 'null') continue;
    const weight =
      options.params.args.get(n.name) ?? options.params.aux.get(n.name) ?? options.params.other.get(n.name);
    if (weight) {
      g.initializers.set(g.claim(n.name), weight);
      continue;
    }
    if (labels.has(i)) continue;
    const pin = options.pinned.get(n.name);
    if (!pin) {
      missing.push(n.attrs.__shape__ ? `${n.name} (trained with __shape__ ${n.attrs.__shape__})` : n.name);
      continue;
    }
    g.input(n.name, { dtype: pin.dtype ?? 'float32', shape: pin.shape });
  }
  if (missing.length) {
    const example = JSON.stringify({
      inputs: Object.fromEntries(missing.map((m) => [m.split(' ')[0], [[1, 3, 224, 224], 'float32']])),
    });
    throw new NccError(
      'NCC_DYNAMIC_SHAPE',
      `MXNet symbols record no input shapes: pin ${missing.join(', ')}`,
      {
        file: options.file,
        value: missing.map((m) => m.split(' ')[0]).join(','),
        hint: `--io-config '${example}' (a variable missing from the .params file is an input; check the epoch if it is a weight)`,
      },
    );
  }
}

interface OutputNames {
  readonly byName: ReadonlyMap<string, MxInput>;
  nameOf(at: MxInput): string;
}

/** MXNet's list_outputs() names of every node output. */
function outputNames(sym: MxSymbol): OutputNames {
  const byName = new Map<string, MxInput>();
  const counts = sym.nodes.map((n) => {
    if (n.op === 'null') return 1;
    const op = MX_OPS[n.op];
    return op?.outputs ? op.outputs(new MxAttrs(n.attrs, `${n.op} '${n.name}'`)) : 1;
  });
  const nameOf = (at: MxInput): string => {
    const n = sym.nodes[at.node]!;
    if (n.op === 'null') return n.name;
    return counts[at.node]! > 1 ? `${n.name}_output${at.output}` : `${n.name}_output`;
  };
  for (let i = 0; i < sym.nodes.length; i++)
    for (let k = 0; k < counts[i]!; k++) byName.set(nameOf({ node: i, output: k }), { node: i, output: k });
  return { byName, nameOf };
}

function reachable(sym: MxSymbol, from: readonly number[]): Set<number> {
  const seen = new Set<number>();
  const stack = [...from];
  while (stack.length) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const x of sym.nodes[i]!.inputs) stack.push(x.node);
  }
  return seen;
}

function unsupported(missing: ReadonlyMap<string, readonly string[]>, file: string): NccError {
  return unsupportedOpsError(missing, {
    what: 'MXNet ops not supported',
    file,
    hint: '`neuron-cc list-operators --framework mxnet` lists the ops neuron-cc maps; ask for outputs before them with --io-config "outputs"',
  });
}

function nodeError(e: Error, op: string, node: string, file: string): NccError {
  const shapes = /shape|window|does not fit|broadcast|out of range/i.test(e.message);
  return new NccError(shapes ? 'NCC_SHAPE_MISMATCH' : 'NCC_BAD_MODEL', `${op} '${node}': ${e.message}`, {
    file,
    node,
    op,
    hint: shapes
      ? 'the input shapes in --io-config do not fit what this layer expects; check them'
      : 'the symbol or its parameters are inconsistent; re-export the model',
  });
}

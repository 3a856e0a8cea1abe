import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/ops/all.js';
import { isNccError } from '../../src/errors.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { decodeTensor } from '../../src/frontends/onnx/onnx-proto.js';
import { tensorFromProto } from '../../src/frontends/onnx/tensor-proto.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { isStaticShape } from '../../src/ir/shape.js';
import { getNumber, type Tensor } from '../../src/ir/tensor.js';
import { checkSupported } from '../../src/passes/check-supported.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { compareTensors } from './compare.js';
import { requireStaticShapes } from '../../src/passes/require-static.js';
import { compileStaticModel } from '../../src/driver/compile.js';
import { load } from '../../src/runtime/index.js';
import type { TypedArray } from '../../src/runtime/feeds.js';
import { partitionModel } from '../../src/driver/partition.js';
import { loadPartitioned } from '../../src/partitioned/runtime.js';
import type { Graph, Model } from '../../src/ir/graph.js';
import { lookupOp } from '../../src/ops/registry.js';
import type { AutoCast } from '../../src/options/auto-cast.js';
import type { TensorData } from '../../src/ir/dtype.js';
import { TOLERANCE_OVERRIDES } from './tolerances.js';
import { castAtBoundaries, roundFeeds, seedOf } from './boundaries.js';

export interface CaseOutcome {
  readonly status: 'pass' | 'fail' | 'skip';
  /** How a compiled case passed when its shape-setting inputs had to be frozen. */
  readonly note?: string;
  readonly reason?: string;
}

function readPb(path: string): Tensor {
  return tensorFromProto(decodeTensor(readFileSync(path)), { file: path });
}

function readSet(dir: string, prefix: 'input' | 'output'): Tensor[] {
  const out: Tensor[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++)
    out.push(readPb(join(dir, `${prefix}_${k}.pb`)));
  return out;
}

/**
 * One conformance case through the compiler's front half: import, pin the inputs to the data's
 * shapes, infer shapes with constant folding, then run the reference interpreter and compare.
 */
export type Mode = 'reference' | 'compiled';

export async function runCase(
  caseDir: string,
  name = '',
  mode: Mode = 'reference',
  autoCast?: AutoCast,
): Promise<CaseOutcome> {
  try {
    const model = importOnnxFile(join(caseDir, 'model.onnx'));
    checkSupported(model.graph);
    const dataDir = join(caseDir, 'test_data_set_0');
    const inputs = readSet(dataDir, 'input');
    const expected = readSet(dataDir, 'output');
    const graphInputs = model.graph.inputs;
    if (inputs.length !== graphInputs.length) {
      return { status: 'fail', reason: `case has ${inputs.length} inputs, the graph ${graphInputs.length}` };
    }
    const pins = new Map(
      graphInputs.map((v, i) => [v.name, { shape: inputs[i]!.shape, dtype: inputs[i]!.dtype }]),
    );
    const pinned = pinInputs(model.graph, { inputs: pins, dims: new Map(), outputs: undefined });
    const graph = inferShapes(pinned, { fold: true });
    for (const [i, o] of graph.outputs.entries()) {
      const want = expected[i];
      if (!want || !isStaticShape(o.type.shape)) continue;
      if (o.type.dtype !== want.dtype || o.type.shape.join() !== want.shape.join()) {
        return {
          status: 'fail',
          reason: `shape inference: output ${i} inferred ${o.type.dtype}[${o.type.shape}], expected ${want.dtype}[${want.shape}]`,
        };
      }
    }
    let feeds = new Map(graphInputs.map((v, i) => [v.name, inputs[i]!]));
    let toCompile = pinned;
    let cast: string[] = [];
    // 'all': the oracle is the reference interpreter on inputs rounded to the 16-bit type, which the
    // compiled model reads too, so ops with discrete results (Floor, comparisons) see the same values
    let oracle: Map<string, Tensor> | undefined;
    if (autoCast?.mode === 'all') {
      feeds = roundFeeds(feeds, autoCast.type);
      oracle = runGraph(graph, feeds);
    }
    if (autoCast) ({ graph: toCompile, feeds, constant: cast } = weightsAsConstants(pinned, feeds));
    let frozen: string[] = [];
    let halves = 0;
    let actual: Map<string, Tensor>;
    if (mode === 'reference') actual = runGraph(graph, feeds);
    else {
      const compiled = await runCompiledFreezing({ ...model, graph: toCompile }, feeds, autoCast, name).catch(
        async (e: unknown) => {
          // host ops and data-dependent shapes: compile what can be, run the rest on the host
          const hostSide =
            isNccError(e) && (e.code === 'NCC_UNSUPPORTED_OP' || e.code === 'NCC_DYNAMIC_SHAPE');
          if (!hostSide || autoCast) throw e;
          return runPartitioned({ ...model, graph }, feeds);
        },
      );
      actual = compiled.outputs;
      frozen = compiled.frozen;
      halves = compiled.activations;
    }
    for (const [i, o] of graph.outputs.entries()) {
      const want = oracle ? oracle.get(o.name) : expected[i];
      if (!want) return { status: 'fail', reason: `no expected value for output ${i}` };
      const diff = autoCast
        ? compareBf16(actual.get(o.name)!, want)
        : compareTensors(actual.get(o.name)!, want, TOLERANCE_OVERRIDES[name]?.atol);
      if (diff) return { status: 'fail', reason: `output ${i} (${o.name}): ${diff}` };
    }
    const notes = [
      ...(frozen.length
        ? [frozen[0]!.startsWith('partitioned') ? frozen[0]! : `shape inputs frozen: ${frozen.join(', ')}`]
        : []),
      ...(cast.length ? [`weights made constant and cast: ${cast.join(', ')}`] : []),
      ...(halves ? [`activations stored in 16 bits: ${halves}`] : []),
    ];
    return notes.length ? { status: 'pass', note: notes.join('; ') } : { status: 'pass' };
  } catch (e) {
    const hostSide = isNccError(e) && (e.code === 'NCC_DYNAMIC_SHAPE' || e.code === 'NCC_UNSUPPORTED_OP');
    if (mode === 'compiled' && autoCast && hostSide) {
      // host ops and data-dependent shapes run partitioned in the compiled mode; auto-cast compiles whole graphs
      return {
        status: 'skip',
        reason: `host-side part (partitioned in the compiled mode): ${(e as Error).message}`,
      };
    }
    const msg = isNccError(e) ? `${e.code}: ${e.message}` : `crash: ${(e as Error).stack ?? String(e)}`;
    return { status: 'fail', reason: msg.split('\n').slice(0, 3).join(' | ') };
  }
}

/** Compiled with --partition and run on the partitioned runner (segments on the NEFF runtime). */
async function runPartitioned(
  model: Model,
  feeds: ReadonlyMap<string, Tensor>,
): Promise<{ outputs: Map<string, Tensor>; frozen: string[]; activations: number }> {
  const { onnx, summary } = partitionModel(model, { optLevel: 1 });
  const runner = await loadPartitioned(onnx, { threads: 1 });
  try {
    const out = await runner.run(
      Object.fromEntries([...feeds].map(([k, t]) => [k, { data: t.data as TypedArray, shape: t.shape }])),
    );
    const outputs = new Map(Object.entries(out).map(([k, t]) => [k, t as unknown as Tensor]));
    const host = [...new Set(summary.host.map((h) => h.op))].join(', ');
    return {
      outputs,
      frozen: [`partitioned: ${summary.segments.length} segments, host ${host || 'nothing'}`],
      activations: 0,
    };
  } finally {
    runner.dispose();
  }
}

/** Inputs small enough to be shape parameters (axes, sizes, window lengths, Range bounds). */
const FREEZABLE_ELEMENTS = 64;

/**
 * Compiles and runs; when the graph's shapes depend on input values (the test feeds a shape, a size
 * or a window length as an input, where exported models carry a constant), small inputs are frozen to
 * the case's values and the graph is compiled again, in stages: integer shape parameters first, then
 * small float ones (scales, roi boxes) except the data, then every input with the nodes kept (folding
 * them would leave no kernel to test). Such passes are listed with a note.
 */
async function runCompiledFreezing(
  model: Model,
  feeds: ReadonlyMap<string, Tensor>,
  autoCast?: AutoCast,
  name = '',
): Promise<{ outputs: Map<string, Tensor>; frozen: string[]; activations: number }> {
  const size = (name: string): number => feeds.get(name)!.data.length;
  const isInt = (name: string): boolean => ['int64', 'int32'].includes(feeds.get(name)!.dtype);
  const names = model.graph.inputs.map((v) => v.name);
  const largest = Math.max(...names.map(size));
  const stages: { frozen: string[]; fold: boolean }[] = [
    { frozen: [], fold: true },
    {
      frozen: names.filter((n) => isInt(n) && size(n) <= FREEZABLE_ELEMENTS && size(n) < largest),
      fold: true,
    },
    {
      frozen: names.filter(
        (n) => (size(n) <= 16 || (isInt(n) && size(n) <= FREEZABLE_ELEMENTS)) && size(n) < largest,
      ),
      fold: true,
    },
    { frozen: names, fold: false },
  ];
  let last: unknown;
  const tried = new Set<string>();
  for (const stage of stages) {
    const key = `${stage.frozen.join()}|${stage.fold}`;
    if (tried.has(key)) continue;
    tried.add(key);
    const initializers = new Map(model.graph.initializers);
    for (const name of stage.frozen) initializers.set(name, feeds.get(name)!);
    const rest = model.graph.inputs.filter((v) => !stage.frozen.includes(v.name));
    const remaining = new Map([...feeds].filter(([k]) => !stage.frozen.includes(k)));
    try {
      const staged: Graph = { ...model.graph, inputs: rest, initializers };
      // the frozen inputs are constants now: only the remaining ones pass through 16-bit storage
      const wrapped = autoCast?.mode === 'all' ? castAtBoundaries(staged, seedOf(name)) : staged;
      const graph = inferShapes(wrapped, { fold: stage.fold });
      const { outputs, activations } = await runCompiled({ ...model, graph }, remaining, autoCast);
      return {
        outputs,
        activations,
        frozen: stage.fold ? stage.frozen : [...stage.frozen, '(all inputs: nodes kept, not folded)'],
      };
    } catch (e) {
      // a later stage freezes more: shape inputs, or a float parameter a kernel needs at compile time (roi)
      const retry = isNccError(e) && (e.code === 'NCC_DYNAMIC_SHAPE' || e.code === 'NCC_UNSUPPORTED_OP');
      if (!retry) throw e;
      last ??= e;
    }
  }
  throw last;
}

/** Compiles the inferred graph to a NEFF and runs it with the runtime, as a user would. */
async function runCompiled(
  model: Model,
  feeds: ReadonlyMap<string, Tensor>,
  autoCast?: AutoCast,
): Promise<{ outputs: Map<string, Tensor>; activations: number }> {
  requireStaticShapes(model.graph);
  const { neff, summary } = compileStaticModel(model, {
    optLevel: 1,
    ...(autoCast ? { autoCast } : {}),
  });
  const compiled = await load(neff);
  try {
    const outputs = await compiled.run(Object.fromEntries([...feeds].map(([k, t]) => [k, t.data])));
    return {
      outputs: new Map(
        compiled.outputs.map((o) => [
          o.name,
          { dtype: o.dtype, shape: [...o.shape], data: outputs[o.name] as TensorData },
        ]),
      ),
      activations: summary.autoCast?.activations ?? 0,
    };
  } finally {
    compiled.dispose();
  }
}

/**
 * Graph inputs that ops read as weights (their registry auto-cast policy), made constants with the
 * case's values, as an exported model carries them: what auto-cast casts.
 */
function weightsAsConstants(
  graph: Graph,
  feeds: ReadonlyMap<string, Tensor>,
): { graph: Graph; feeds: Map<string, Tensor>; constant: string[] } {
  const weights = new Set<string>();
  for (const node of graph.nodes) {
    const policy = lookupOp(node.domain, node.op)?.autoCast?.weights ?? [];
    for (const i of policy) if (node.inputs[i]) weights.add(node.inputs[i]!);
  }
  const constant = graph.inputs.filter((v) => weights.has(v.name) && feeds.get(v.name)?.dtype === 'float32');
  if (!constant.length) return { graph, feeds: new Map(feeds), constant: [] };
  const initializers = new Map(graph.initializers);
  for (const v of constant) initializers.set(v.name, feeds.get(v.name)!);
  const names = new Set(constant.map((v) => v.name));
  return {
    graph: { ...graph, inputs: graph.inputs.filter((v) => !names.has(v.name)), initializers },
    feeds: new Map([...feeds].filter(([k]) => !names.has(k))),
    constant: [...names],
  };
}

/** The BF16 tolerance: |actual - expected| <= 1e-2 * (max|expected| + |expected|) on float outputs. */
function compareBf16(actual: Tensor, expected: Tensor): string | undefined {
  if (expected.dtype !== 'float32' && expected.dtype !== 'float64') return compareTensors(actual, expected);
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape.join() !== expected.shape.join())
    return `shape [${actual.shape}], expected [${expected.shape}]`;
  let scale = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = getNumber(expected, i);
    if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
  }
  for (let i = 0; i < expected.data.length; i++) {
    const [a, e] = [getNumber(actual, i), getNumber(expected, i)];
    if (Number.isNaN(a) || Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e)))
        return `element ${i}: ${a}, expected ${e}`;
      continue;
    }
    if (Math.abs(a - e) > 1e-2 * (scale + Math.abs(e)))
      return `element ${i}: ${a}, expected ${e} (BF16 tolerance)`;
  }
  return undefined;
}

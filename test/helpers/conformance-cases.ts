import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/ops/all.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { decodeTensor } from '../../src/frontends/onnx/onnx-proto.js';
import { tensorFromProto } from '../../src/frontends/onnx/tensor-proto.js';
import type { Graph } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { compareTensors } from '../conformance/compare.js';
import { TOLERANCE_OVERRIDES } from '../conformance/tolerances.js';
import { ROOT, SHARED } from './shared-models.js';

/**
 * The ONNX backend cases a lowering test runs through kernel IR. Some graph inputs become
 * initializers, as weights and shape-setting inputs are in deployed models, so that cases which feed
 * them at run time still compile to static shapes.
 */
const CASES = join(SHARED, 'onnx-conformance/node');

/** The cases of a family the reference interpreter passes; none when the data is absent. */
export function familyCases(family: RegExp): string[] {
  if (!existsSync(CASES)) return [];
  const passing = new Set(readFileSync(join(ROOT, 'test/conformance/passing.txt'), 'utf8').split('\n'));
  return readdirSync(CASES).filter(
    (n) => family.test(n) && !n.includes('_expanded') && passing.has(`node/${n}`),
  );
}

function readSet(dir: string, prefix: 'input' | 'output'): Tensor[] {
  const out: Tensor[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++) {
    out.push(tensorFromProto(decodeTensor(readFileSync(join(dir, `${prefix}_${k}.pb`))), {}));
  }
  return out;
}

export interface CaseOptions {
  /** For each graph input, whether it becomes an initializer holding the case's value. */
  readonly constant: (graph: Graph, inputs: readonly Tensor[]) => readonly boolean[];
  readonly fold: boolean;
}

export interface LoadedCase {
  readonly name: string;
  /** Static shapes throughout: the runtime inputs are pinned to the case's data. */
  readonly graph: Graph;
  readonly feeds: Map<string, Tensor>;
  readonly expected: readonly Tensor[];
}

export function loadCase(name: string, options: CaseOptions): LoadedCase {
  const dir = join(CASES, name);
  const model = importOnnxFile(join(dir, 'model.onnx'));
  const inputs = readSet(join(dir, 'test_data_set_0'), 'input');
  const expected = readSet(join(dir, 'test_data_set_0'), 'output');
  const graph = model.graph;
  const isConstant = options.constant(graph, inputs);
  const constants = graph.inputs.flatMap((v, i): [string, Tensor][] =>
    isConstant[i] ? [[v.name, inputs[i]!]] : [],
  );
  const runtime = graph.inputs.map((v, i) => ({ v, t: inputs[i]! })).filter((_, i) => !isConstant[i]);
  const withConstants: Graph = {
    ...graph,
    inputs: runtime.map((r) => r.v),
    initializers: new Map([...graph.initializers, ...constants]),
  };
  const pins = new Map(runtime.map((r) => [r.v.name, { shape: r.t.shape, dtype: r.t.dtype }]));
  const pinned = pinInputs(withConstants, { inputs: pins, dims: new Map(), outputs: undefined });
  return {
    name,
    graph: inferShapes(pinned, { fold: options.fold }),
    feeds: new Map(runtime.map((r) => [r.v.name, r.t])),
    expected,
  };
}

/**
 * One message per output of each run that differs from the expected one, under the tolerance the
 * conformance runner grants the case.
 */
export function mismatches(
  loaded: LoadedCase,
  runs: Readonly<Record<string, ReadonlyMap<string, Tensor>>>,
  label = loaded.name,
): string[] {
  const atol = TOLERANCE_OVERRIDES[`node/${loaded.name}`]?.atol;
  const failures: string[] = [];
  for (const [how, actual] of Object.entries(runs)) {
    loaded.graph.outputs.forEach((o, i) => {
      const diff = compareTensors(actual.get(o.name)!, loaded.expected[i]!, atol);
      if (diff) failures.push(`${label} ${how} output ${i}: ${diff}`);
    });
  }
  return failures;
}

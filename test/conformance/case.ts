import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/ops/all.js';
import { isNccError } from '../../src/errors.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { decodeTensor } from '../../src/frontends/onnx/onnx-proto.js';
import { tensorFromProto } from '../../src/frontends/onnx/tensor-proto.js';
import { runGraph } from '../../src/interpreter/run-graph.js';
import { isStaticShape } from '../../src/ir/shape.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { checkSupported } from '../../src/passes/check-supported.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { compareTensors } from './compare.js';
import { requireStaticShapes } from '../../src/passes/require-static.js';
import { compileStaticModel } from '../../src/driver/compile.js';
import { load } from '../../src/runtime/index.js';
import type { Model } from '../../src/ir/graph.js';
import type { TensorData } from '../../src/ir/dtype.js';
import { TOLERANCE_OVERRIDES } from './tolerances.js';

export interface CaseOutcome {
  readonly status: 'pass' | 'fail' | 'skip';
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

export async function runCase(caseDir: string, name = '', mode: Mode = 'reference'): Promise<CaseOutcome> {
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
    const feeds = new Map(graphInputs.map((v, i) => [v.name, inputs[i]!]));
    const actual =
      mode === 'reference' ? runGraph(graph, feeds) : await runCompiled({ ...model, graph }, feeds);
    for (const [i, o] of graph.outputs.entries()) {
      const want = expected[i];
      if (!want) return { status: 'fail', reason: `no expected value for output ${i}` };
      const diff = compareTensors(actual.get(o.name)!, want, TOLERANCE_OVERRIDES[name]?.atol);
      if (diff) return { status: 'fail', reason: `output ${i} (${o.name}): ${diff}` };
    }
    return { status: 'pass' };
  } catch (e) {
    if (mode === 'compiled' && isNccError(e) && e.code === 'NCC_DYNAMIC_SHAPE') {
      // data-dependent output shapes (NonZero, Unique...) cannot be compiled statically: the partitioner runs them on the host
      return { status: 'skip', reason: `data-dependent shape, host-side op: ${e.message}` };
    }
    const msg = isNccError(e) ? `${e.code}: ${e.message}` : `crash: ${(e as Error).stack ?? String(e)}`;
    return { status: 'fail', reason: msg.split('\n').slice(0, 3).join(' | ') };
  }
}

/** Compiles the inferred graph to a NEFF and runs it with the runtime, as a user would. */
async function runCompiled(model: Model, feeds: ReadonlyMap<string, Tensor>): Promise<Map<string, Tensor>> {
  requireStaticShapes(model.graph);
  const { neff } = compileStaticModel(model, { optLevel: 1 });
  const compiled = await load(neff);
  try {
    const outputs = await compiled.run(Object.fromEntries([...feeds].map(([k, t]) => [k, t.data])));
    return new Map(
      compiled.outputs.map((o) => [
        o.name,
        { dtype: o.dtype, shape: [...o.shape], data: outputs[o.name] as TensorData },
      ]),
    );
  } finally {
    compiled.dispose();
  }
}

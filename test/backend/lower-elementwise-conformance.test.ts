import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/ops/all.js';
import { importOnnxFile } from '../../src/frontends/onnx/import.js';
import { decodeTensor } from '../../src/frontends/onnx/onnx-proto.js';
import { tensorFromProto } from '../../src/frontends/onnx/tensor-proto.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { inferShapes } from '../../src/passes/infer-shapes.js';
import { pinInputs } from '../../src/passes/pin-inputs.js';
import { lowerGraph } from '../../src/backend/schedule/lower-graph.js';
import { planMemory } from '../../src/backend/schedule/memory-plan.js';
import { interpretProgram } from '../../src/backend/schedule/interpret-program.js';
import { compareTensors } from '../conformance/compare.js';
import { TOLERANCE_OVERRIDES } from '../conformance/tolerances.js';
import { ROOT, SHARED } from '../helpers/shared-models.js';

/**
 * The ONNX backend cases of this family, lowered and run by the kernel-IR interpreter: every case
 * the reference interpreter passes (test/conformance/passing.txt) whose nodes are all elementwise
 * ops must pass lowered too, against the case's stored outputs. Until the wasm path exists this is
 * the compiled-mode conformance of the family.
 */
const FAMILY = new Set(
  (
    'Abs Neg Sign Exp Log Sqrt Reciprocal Floor Ceil Round Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh ' +
    'Atanh Erf Tanh Sigmoid IsNaN IsInf Not BitwiseNot Relu LeakyRelu HardSigmoid HardSwish Elu Selu Celu Gelu ' +
    'Softplus Softsign Mish ThresholdedRelu Swish Shrink Clip Add Sub Mul Div Mod Pow Equal Greater ' +
    'GreaterOrEqual Less LessOrEqual And Or Xor BitwiseAnd BitwiseOr BitwiseXor BitShift PRelu Sum Mean Max ' +
    'Min Where Cast CastLike BitCast Identity'
  ).split(' '),
);

/** Refused configurations (see the report of the lowering): the IR has no bit reinterpretation. */
const REFUSED = new Set([
  'test_bitcast_float32_to_int32',
  'test_bitcast_2d_float32_to_int32',
  'test_bitcast_scalar_float32_to_int32',
  'test_bitcast_int32_to_float32',
  'test_bitcast_float64_to_int64',
  'test_bitcast_int64_to_float64',
]);

const CONFORMANCE = join(SHARED, 'onnx-conformance');

function readPb(path: string): Tensor {
  return tensorFromProto(decodeTensor(readFileSync(path)), { file: path });
}

function readSet(dir: string, prefix: string): Tensor[] {
  const out: Tensor[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++)
    out.push(readPb(join(dir, `${prefix}_${k}.pb`)));
  return out;
}

function cases(): string[] {
  const listed = readFileSync(join(ROOT, 'test/conformance/passing.txt'), 'utf8').split('\n');
  return listed.filter((l) => l.startsWith('node/') && existsSync(join(CONFORMANCE, l, 'model.onnx')));
}

/** 'refused' when a lowering declines, undefined when the case has ops of other families. */
function runLowered(caseDir: string, name: string): string | undefined {
  const model = importOnnxFile(join(caseDir, 'model.onnx'));
  if (!model.graph.nodes.every((n) => n.domain === '' && FAMILY.has(n.op))) return undefined;
  const dataDir = join(caseDir, 'test_data_set_0');
  const inputs = readSet(dataDir, 'input');
  const expected = readSet(dataDir, 'output');
  const pins = new Map(
    model.graph.inputs.map((v, i) => [v.name, { shape: inputs[i]!.shape, dtype: inputs[i]!.dtype }]),
  );
  const graph = inferShapes(pinInputs(model.graph, { inputs: pins, dims: new Map(), outputs: undefined }), {
    fold: true,
  });
  const program = lowerGraph(graph, name);
  const feeds = new Map(model.graph.inputs.map((v, i) => [v.name, inputs[i]!]));
  const actual = interpretProgram(program, planMemory(program), feeds);
  for (const [i, o] of graph.outputs.entries()) {
    const diff = compareTensors(actual.get(o.name)!, expected[i]!, TOLERANCE_OVERRIDES[name]?.atol);
    if (diff) return `output ${i}: ${diff}`;
  }
  return 'pass';
}

test('ONNX backend cases of the elementwise family pass lowered', { skip: !existsSync(CONFORMANCE) }, (t) => {
  const failures: string[] = [];
  let passed = 0;
  for (const c of cases()) {
    const name = c.slice('node/'.length);
    let outcome: string | undefined;
    try {
      outcome = runLowered(join(CONFORMANCE, c), name);
    } catch (e) {
      outcome =
        REFUSED.has(name) && /reinterpretation/.test(String(e)) ? 'refused' : String(e).split('\n')[0];
    }
    if (outcome === 'pass') passed++;
    else if (outcome !== undefined && outcome !== 'refused') failures.push(`${name}: ${outcome}`);
  }
  t.diagnostic(`${passed} cases passed lowered`);
  assert.deepEqual(failures, []);
  assert.ok(passed > 300, `only ${passed} cases ran`);
});

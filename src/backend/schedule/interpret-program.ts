import { storageCtor, type TensorData } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { NccError } from '../../errors.js';
import { interpretKernels } from '../kernel/interpret.js';
import type { MemoryPlan } from './memory-plan.js';
import type { Program } from './program.js';

/**
 * Runs a lowered program with the kernel-IR interpreter over one memory laid out by the plan, the
 * way compiled code will: a lowering bug or a plan that overlaps live buffers shows as wrong outputs.
 */
export function interpretProgram(
  program: Program,
  plan: MemoryPlan,
  feeds: ReadonlyMap<string, Tensor>,
): Map<string, Tensor> {
  const weights = new ArrayBuffer(Math.max(64, plan.weightsBytes));
  const arena = new ArrayBuffer(Math.max(64, plan.arenaBytes));
  const views = new Map<string, TensorData>();
  for (const [name, info] of program.buffers) {
    const p = info.kind === 'weight' ? plan.weights.get(name) : plan.arena.get(name);
    if (!p) continue; // a buffer no kernel touches
    const Ctor = storageCtor(info.dtype);
    const view = new Ctor(
      info.kind === 'weight' ? weights : arena,
      p.offset,
      info.bytes / Ctor.BYTES_PER_ELEMENT,
    );
    if (info.kind === 'weight' && info.data)
      new Uint8Array(view.buffer, p.offset, info.bytes).set(bytesOf(info.data));
    views.set(name, view);
  }
  for (const io of program.inputs) {
    const t = feeds.get(io.name);
    if (!t) throw new NccError('NCC_BAD_INPUT', `no value for input '${io.name}'`);
    const view = views.get(io.buffer);
    if (view) new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(bytesOf(t));
  }
  interpretKernels(program.kernels, views);
  const out = new Map<string, Tensor>();
  for (const io of program.outputs) {
    const view = views.get(io.buffer)!;
    // a view (BitCast) may give the output another dtype of the same width than its buffer
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
    const Ctor = storageCtor(io.dtype);
    out.set(io.name, {
      dtype: io.dtype,
      shape: io.shape,
      data: new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT),
    });
  }
  return out;
}

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

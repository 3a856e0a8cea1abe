import { NccError } from '../../errors.js';
import type { MemoryPlan } from './memory-plan.js';
import type { Program } from './program.js';

/** The weights region's bytes: every weight buffer's data at its planned offset. */
export function weightsImage(program: Program, plan: MemoryPlan): Uint8Array {
  const image = new Uint8Array(plan.weightsBytes);
  for (const [name, p] of plan.weights) {
    const data = program.buffers.get(name)?.data;
    if (!data) throw new NccError('NCC_INTERNAL', `weight buffer ${name} has no data`);
    image.set(new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength), p.offset);
  }
  return image;
}

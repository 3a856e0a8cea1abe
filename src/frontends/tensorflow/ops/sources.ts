/** Graph inputs, constants and the ops that only pass a tensor on. */
import type { Dim, TensorType } from '../../../ir/shape.js';
import { NccError } from '../../../errors.js';
import type { MappingTable, OpMapping } from './types.js';

const passThrough: OpMapping = (c) => c.output(c.ref(0));

const variable: OpMapping = (c) => {
  const value = c.options.variables?.get(c.base);
  if (!value)
    throw new NccError('NCC_BAD_MODEL', `variable '${c.base}' has no value in the checkpoint`, {
      file: c.options.file,
      node: c.base,
      hint: 'give a SavedModel directory with its variables/ (a frozen graph holds its variables as constants)',
    });
  c.output(c.g.constant(value, c.base));
};

export const SOURCE_OPS: MappingTable = {
  // a TF.js graph model keeps its constants' values in the weight shards
  Const: (c) => c.output(c.g.constant(c.options.variables?.get(c.base) ?? c.tensor('value'), c.base)),
  Placeholder: (c) => {
    const type = placeholderType(c.dtype('dtype'), c.shape('shape'), c.options.pinned?.get(c.base));
    c.output(c.g.input(c.base, type));
  },
  // an input the caller may feed; pinned by --io-config it is one, else its default is a constant
  PlaceholderWithDefault: (c) => {
    const pinned = c.options.pinned?.get(c.base);
    if (!pinned) return passThrough(c);
    c.output(c.g.input(c.base, placeholderType(c.dtype('dtype'), undefined, pinned)));
  },
  // variables of a SavedModel: their checkpoint values
  VarHandleOp: variable,
  VariableV2: variable,
  Variable: variable,
  ReadVariableOp: passThrough,
  Identity: passThrough,
  StopGradient: passThrough,
  PreventGradient: passThrough,
  Snapshot: passThrough,
  EnsureShape: passThrough,
  CheckNumerics: passThrough,
  // only ever read through control edges, which the converter drops: it computes nothing
  NoOp: () => undefined,
  IdentityN: (c) => {
    for (let i = 0; i < c.inputCount; i++) c.output(c.ref(i), i);
  },
};

/** A Placeholder's declared type, pinned by --io-config where given. */
function placeholderType(
  dtype: TensorType['dtype'],
  shape: readonly number[] | undefined,
  pinned?: readonly number[],
): TensorType {
  if (pinned) return { dtype, shape: [...pinned] };
  if (!shape) return { dtype, shape: undefined };
  let unknown = 0;
  const dims: Dim[] = shape.map((d) => (d < 0 ? `unk__${unknown++}` : d));
  return { dtype, shape: dims };
}

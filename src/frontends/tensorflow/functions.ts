/**
 * Inlining of TensorFlow functions (TF2 SavedModels run their model as a call:
 * StatefulPartitionedCall -> __inference_... with the variables passed as resource inputs). Each
 * call becomes its body, nodes prefixed with the call's name, and an IdentityN named as the call
 * that gives the function's results in its output order. Inside a body, tensors are written
 * `node:output_arg:index`; the flat form `node:k` needs the position of that output argument, which
 * only ops with several output arguments make differ from the index.
 */
import type { FunctionDef, NodeDef } from './tf-proto.js';

/** Output arguments of the multi-output ops the frontend maps, in their OpDef order. */
const OUTPUT_ARGS: Readonly<Record<string, readonly string[]>> = {
  FusedBatchNorm: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV2: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV3: [
    'y',
    'batch_mean',
    'batch_variance',
    'reserve_space_1',
    'reserve_space_2',
    'reserve_space_3',
  ],
  TopKV2: ['values', 'indices'],
  Unique: ['y', 'idx'],
};

const CALL_OPS = new Set(['StatefulPartitionedCall', 'PartitionedCall']);

/** Calls nested deeper than this are a recursion, which TensorFlow graphs cannot express anyway. */
const MAX_DEPTH = 64;

export function inlineFunctions(
  nodes: readonly NodeDef[],
  library: ReadonlyMap<string, FunctionDef>,
): NodeDef[] {
  const out: NodeDef[] = [];
  const visit = (list: readonly NodeDef[], depth: number): void => {
    for (const n of list) {
      const fname = calleeOf(n, library);
      if (fname === undefined) {
        out.push(n);
        continue;
      }
      if (depth >= MAX_DEPTH)
        throw new Error(`function calls nest deeper than ${MAX_DEPTH} (at '${n.name}')`);
      visit(bodyOf(n, library.get(fname)!, fname), depth + 1);
    }
  };
  visit(nodes, 0);
  return out;
}

function calleeOf(n: NodeDef, library: ReadonlyMap<string, FunctionDef>): string | undefined {
  if (library.has(n.op)) return n.op;
  if (!CALL_OPS.has(n.op)) return undefined;
  const name = n.attr.f?.func?.name;
  if (!name || !library.has(name))
    throw new Error(`call '${n.name}' names function '${name ?? ''}', which the library lacks`);
  return name;
}

/** The call's body, renamed into the caller's scope, and the IdentityN standing for the call. */
function bodyOf(call: NodeDef, fn: FunctionDef, fname: string): NodeDef[] {
  const signature = fn.signature;
  if (!signature) throw new Error(`function '${fname}' has no signature`);
  const args = call.input.filter((i) => !i.startsWith('^'));
  if (args.length !== signature.input_arg.length)
    throw new Error(
      `call '${call.name}' passes ${args.length} inputs to '${fname}', which takes ${signature.input_arg.length}`,
    );
  const bound = new Map(signature.input_arg.map((a, i) => [a.name, args[i]!]));
  const ops = new Map(fn.node_def.map((n) => [n.name, n.op]));
  const scoped = (name: string): string => `${call.name}/${name}`;
  const rewrite = (ref: string): string | undefined => {
    if (ref.startsWith('^')) return undefined;
    const parts = ref.split(':');
    const arg = bound.get(parts[0]!);
    if (parts.length === 1 && arg !== undefined) return arg;
    if (arg !== undefined && !ops.has(parts[0]!)) return arg;
    const [node, outArg, index] = [parts[0]!, parts[1], Number(parts[2] ?? 0)];
    if (!ops.has(node)) throw new Error(`function '${fname}' reads '${ref}', which it does not define`);
    if (outArg === undefined || /^\d+$/.test(outArg)) return `${scoped(node)}:${outArg ?? 0}`;
    const names = OUTPUT_ARGS[ops.get(node)!];
    const position = names ? names.indexOf(outArg) : 0;
    if (position < 0) throw new Error(`'${ref}' names no output of ${ops.get(node)}`);
    return `${scoped(node)}:${position + index}`;
  };
  const body: NodeDef[] = fn.node_def.map((n) => ({
    ...n,
    name: scoped(n.name),
    input: n.input.map(rewrite).filter((i): i is string => i !== undefined),
  }));
  const results = signature.output_arg.map((a) => {
    const ref = fn.ret[a.name];
    if (ref === undefined) throw new Error(`function '${fname}' returns nothing for '${a.name}'`);
    return rewrite(ref)!;
  });
  body.push({ name: call.name, op: 'IdentityN', input: results, device: '', attr: {} });
  return body;
}

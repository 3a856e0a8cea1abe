/**
 * TorchScript archive -> IR model. The root module's forward is run at compile time with its
 * Tensor parameters as graph inputs (shapes and dtypes from --io-config: TorchScript records none);
 * what it returns are the outputs: `output` for one tensor, `output_0`, `output_1`, ... for a tuple
 * or list (nested ones flattened in order).
 */
import { readModelFile } from '../read-file.js';
import { basename } from 'node:path';
import type { Model, ValueInfo } from '../../ir/graph.js';
import { NccError, isNccError } from '../../errors.js';
import type { IoConfig } from '../../options/io-config.js';
import { GraphBuilder } from '../graph-builder.js';
import { ArchiveError, readTorchArchive, type TorchArchive } from './archive.js';
import { typeText } from './calls.js';
import { Interpreter, ModelRaised } from './interpreter.js';
import { Problems } from './problems.js';
import { Program } from './program.js';
import { ParseError, type FunctionDef } from './torchscript-ast.js';
import { PickleError } from './unpickle.js';
import { UNKNOWN, describe, tensor, type Value } from './values.js';

export interface TorchImportOptions {
  readonly ioConfig?: IoConfig;
}

export function importPytorchFile(path: string, options: TorchImportOptions = {}): Model {
  const archive = readArchive(path);
  const g = new GraphBuilder();
  let program: Program;
  try {
    program = new Program(archive, g);
  } catch (e) {
    if (e instanceof ParseError || e instanceof ArchiveError || e instanceof PickleError)
      throw badModel(path, e.message);
    throw badModel(path, (e as Error).message);
  }
  const root = program.root;
  const forward = program.classes.get(root.cls)?.methods.get('forward');
  if (!forward) throw badModel(path, `its module ${root.cls} has no forward method (nothing to compile)`);
  const problems = new Problems();
  checkReturnType(forward, problems);
  const args = bindInputs(forward, g, problems, path, options.ioConfig);
  const interp = new Interpreter(program, g, problems);
  let result: Value;
  try {
    result = interp.callMethod(root, 'forward', args, []);
  } catch (e) {
    if (isNccError(e)) throw e;
    if (e instanceof ModelRaised) {
      throw new NccError(
        'NCC_SHAPE_MISMATCH',
        `the model's code raises for the given input shapes: ${e.message}`,
        {
          file: path,
          hint: "check --io-config's input shapes against what the model expects",
        },
      );
    }
    if (!problems.empty) throw problems.error(path);
    throw badModel(path, (e as Error).message);
  }
  const outputs = bindOutputs(result, g, problems, path, options.ioConfig?.outputs);
  if (!problems.empty) throw problems.error(path);
  return {
    name: basename(path).replace(/\.(pt|pth|ptl)$/i, ''),
    graph: g.graph(outputs, basename(path)),
    opsets: new Map([['', 21]]),
    producer: `TorchScript archive (format version ${archive.version})`,
    source: { format: 'pytorch', path },
  };
}

function readArchive(path: string): TorchArchive {
  const bytes = readModelFile(
    path,
    'check the path; a TorchScript model is the one .pt file torch.jit.save writes',
  );
  try {
    return readTorchArchive(bytes);
  } catch (e) {
    throw badModel(path, (e as Error).message);
  }
}

/**
 * forward's parameters after self: Tensors become graph inputs, anything else is a problem.
 * --io-config names them as forward does; when none of its names is one of forward's and there are
 * as many, they are taken in order (models exported to ONNX from the same code often call `x` `input`).
 */
function bindInputs(
  forward: FunctionDef,
  g: GraphBuilder,
  problems: Problems,
  path: string,
  io: IoConfig | undefined,
): Value[] {
  const params = forward.params
    .slice(1)
    .map((p) => ({ name: p.name, type: p.type ? typeText(p.type) : 'Tensor' }));
  for (const p of params)
    if (p.type !== 'Tensor')
      problems.construct(
        `forward's input '${p.name}' of type ${p.type} (only Tensor inputs compile)`,
        'forward',
      );
  const pins = [...(io?.inputs ?? [])];
  const tensors = params.filter((p) => p.type === 'Tensor');
  const names = params.map((p) => p.name);
  const positional =
    pins.length > 0 && pins.length === tensors.length && pins.every(([n]) => !names.includes(n));
  const nameOf = new Map(tensors.map((p, i) => [p.name, positional ? pins[i]![0] : p.name]));
  const unknown = positional ? [] : pins.map(([n]) => n).filter((n) => !names.includes(n));
  if (unknown.length && problems.empty)
    throw new NccError(
      'NCC_BAD_OPTION',
      `--io-config names inputs forward does not have: ${unknown.join(', ')}`,
      {
        file: path,
        hint: `forward's inputs are: ${names.join(', ') || '(none)'} (or give all of them, in order, under other names)`,
      },
    );
  const missing: string[] = [];
  const args = params.map((p): Value => {
    const name = nameOf.get(p.name);
    if (name === undefined) return UNKNOWN;
    const pin = io?.inputs.get(name);
    if (!pin) {
      missing.push(name);
      return UNKNOWN;
    }
    return tensor(g.input(name, { dtype: pin.dtype ?? 'float32', shape: pin.shape }));
  });
  if (missing.length && problems.empty) {
    const example = JSON.stringify({
      inputs: Object.fromEntries(missing.map((n) => [n, [[1, 3, 224, 224], 'float32']])),
    });
    throw new NccError(
      'NCC_DYNAMIC_SHAPE',
      `TorchScript records no input shapes: pin ${missing.join(', ')} with --io-config`,
      {
        file: path,
        value: missing.join(','),
        hint: `e.g. --io-config '${example}' (shape and dtype of each forward input)`,
      },
    );
  }
  return args;
}

/** forward's declared result: Tensors, or tuples and lists of them (nested). */
function checkReturnType(forward: FunctionDef, problems: Problems): void {
  const declared = forward.returns ? typeText(forward.returns) : 'Tensor';
  const tensorsOnly = declared.replace(/\b(Tuple|List)\[|\]|,|\s|\bTensor\b/g, '') === '';
  if (!tensorsOnly)
    problems.construct(
      `forward returns ${declared} (only Tensors, and tuples or lists of them, compile)`,
      'forward',
    );
}

/**
 * What forward returns, flattened: `output`, or `output_0`, `output_1`, ... for tuples and lists.
 * --io-config's outputs pick some of those names, or, being as many, name them all in order.
 */
function bindOutputs(
  result: Value,
  g: GraphBuilder,
  problems: Problems,
  path: string,
  requested: readonly string[] | undefined,
): ValueInfo[] {
  if (!problems.empty) return [];
  const leaves: [string, Value][] = [];
  const flatten = (v: Value, name: string): void => {
    if (v.kind === 'tuple' || v.kind === 'list') v.items.forEach((x, i) => flatten(x, `${name}_${i}`));
    else leaves.push([name, v]);
  };
  if (result.kind === 'tuple' || result.kind === 'list')
    result.items.forEach((x, i) => flatten(x, `output_${i}`));
  else flatten(result, 'output');
  let chosen = leaves;
  if (requested) {
    const byName = new Map(leaves);
    if (requested.every((n) => byName.has(n))) chosen = requested.map((n) => [n, byName.get(n)!]);
    else if (requested.length === leaves.length) chosen = leaves.map(([, v], i) => [requested[i]!, v]);
    else
      throw new NccError(
        'NCC_BAD_OPTION',
        `--io-config asks for outputs forward does not return: ${requested.join(', ')}`,
        {
          file: path,
          hint: `TorchScript outputs are unnamed: use ${leaves.map(([n]) => n).join(', ')}, or give ${leaves.length} names in order`,
        },
      );
  }
  g.reserve(chosen.map(([n]) => n));
  const outputs: ValueInfo[] = [];
  for (const [name, v] of chosen) {
    if (v.kind === 'unknown') continue;
    if (v.kind !== 'tensor') {
      problems.construct(`forward returns ${describe(v)} as ${name} (only Tensors compile)`, 'forward');
      continue;
    }
    const out = g.output(name, v.name);
    outputs.push({ name: out, type: g.typeOf(out) ?? { dtype: 'float32', shape: undefined } });
  }
  return outputs;
}

function badModel(path: string, why: string): NccError {
  return new NccError('NCC_BAD_MODEL', `${basename(path)} is not a readable TorchScript model: ${why}`, {
    file: path,
    hint: 'save the model with torch.jit.save (a traced or scripted module); the file may be corrupt or truncated',
  });
}

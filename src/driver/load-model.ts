import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { Graph, Model } from '../ir/graph.js';
import { isStaticShape } from '../ir/shape.js';
import { verifyGraph } from '../ir/verify.js';
import { withGraph } from '../ir/graph.js';
import { NccError, isNccError } from '../errors.js';
import { importOnnxFile } from '../frontends/onnx/import.js';
import { importTensorflowFile } from '../frontends/tensorflow/import.js';
import { isSavedModelDir } from '../frontends/tensorflow/saved-model.js';
import { importPytorchFile } from '../frontends/pytorch/import.js';
import { importMxnetFiles } from '../frontends/mxnet/import.js';
import { EMPTY_IO_CONFIG, type IoConfig } from '../options/io-config.js';
import { checkSupported } from '../passes/check-supported.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { pinInputs } from '../passes/pin-inputs.js';
import { pinHint, requireStaticInputs, requireStaticShapes } from '../passes/require-static.js';
import { selectOutputs } from '../passes/select-outputs.js';
import '../ops/all.js';

export const FRAMEWORKS = ['onnx', 'tensorflow', 'pytorch', 'mxnet'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface LoadOptions {
  readonly framework?: Framework;
  readonly ioConfig?: IoConfig;
  /** TensorFlow SavedModels: the signature to compile (default serving_default) and the meta graph's tags (default serve). */
  readonly signature?: string;
  readonly tags?: readonly string[];
  /** MXNet: the .params file of the checkpoint, or its epoch (PREFIX-NNNN.params). */
  readonly params?: string;
  readonly epoch?: number;
  /** Fail with NCC_DYNAMIC_SHAPE unless every value ends up with a static shape. */
  readonly requireStatic?: boolean;
}

/** Picks the frontend from --framework or the file name. */
export function detectFramework(path: string, given?: string): Framework {
  if (given) {
    // neuron-cc's users write ONNX, TENSORFLOW, ...
    const name = given.toLowerCase();
    if ((FRAMEWORKS as readonly string[]).includes(name)) return name as Framework;
    throw new NccError('NCC_BAD_OPTION', `unknown framework '${given}'`, {
      hint: `use one of: ${FRAMEWORKS.join(', ')}`,
    });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (path.endsWith('-symbol.json') || (ext === '' && existsSync(`${path}-symbol.json`))) return 'mxnet';
  if (ext === '.pb' || ext === '.pbtxt' || ext === '.json' || isSavedModelDir(path)) return 'tensorflow';
  if (ext === '.pt' || ext === '.pth' || ext === '.ptl') return 'pytorch';
  throw new NccError('NCC_BAD_OPTION', `cannot tell the framework of ${path}`, {
    file: path,
    hint: `pass --framework (${FRAMEWORKS.join(', ')})`,
  });
}

/**
 * The front half of every compile: import, verify, check the op set, pin inputs, keep the requested
 * outputs, and infer shapes (folding constants). Symbolic dims may remain; see requireStatic.
 */
export function loadModel(path: string, options: LoadOptions = {}): Model {
  const framework = detectFramework(path, options.framework);
  const io = options.ioConfig ?? EMPTY_IO_CONFIG;
  const model =
    framework === 'onnx'
      ? importOnnxFile(path)
      : framework === 'tensorflow'
        ? importTensorflowFile(path, {
            ioConfig: io,
            ...(options.signature ? { signature: options.signature } : {}),
            ...(options.tags ? { tags: options.tags } : {}),
          })
        : framework === 'pytorch'
          ? importPytorchFile(path, { ioConfig: io })
          : framework === 'mxnet'
            ? importMxnetFiles(path, {
                ioConfig: io,
                ...(options.params ? { params: options.params } : {}),
                ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
              })
            : unreachable(framework);
  verifyGraph(model.graph);
  // prune first: a requested subset of outputs may cut away an unsupported tail (NMS after a detector)
  // the TensorFlow frontend converts only what the requested outputs need, and names them itself
  // (a SavedModel's outputs are its signature's, which --io-config may narrow as for ONNX)
  // as does the PyTorch frontend (TorchScript outputs are unnamed: --io-config may name them)
  const outputs =
    (framework === 'tensorflow' && !isSavedModelDir(path)) || framework === 'pytorch'
      ? undefined
      : io.outputs;
  const pinned = selectOutputs(pinInputs(model.graph, io), outputs);
  checkSupported(pinned, path);
  if (options.requireStatic) requireStaticInputs(pinned);
  let graph: Graph;
  try {
    graph = inferShapes(pinned, { fold: true });
  } catch (e) {
    // ops that need a known rank fail on unpinned inputs: the fix is pinning, so say that
    if (
      isNccError(e) &&
      e.code === 'NCC_INVALID_GRAPH' &&
      pinned.inputs.some((v) => !isStaticShape(v.type.shape))
    ) {
      throw new NccError('NCC_DYNAMIC_SHAPE', `shape inference needs static inputs: ${e.message}`, {
        ...e.subject,
        hint: pinHint(pinned),
      });
    }
    throw e;
  }
  if (options.requireStatic) requireStaticShapes(graph);
  return withGraph(model, graph);
}

/** loadModel with the static-shape contract that compiled code needs. */
export function loadStaticModel(path: string, options: LoadOptions = {}): Model {
  return loadModel(path, { ...options, requireStatic: true });
}

function unreachable(x: never): never {
  throw new Error(`unhandled framework ${String(x)}`);
}

import type { Graph } from '../ir/graph.js';
import { fuseAttention } from './fuse-attention.js';
import { fuseEpilogue } from './fuse-epilogue.js';
import { fuseElementwise } from './fuse-elementwise.js';
import { fuseLayerNorm } from './fuse-layernorm.js';

export interface PassOptions {
  /** -O level, 0..3: level 0 runs no optimization pass. */
  readonly optLevel: number;
}

/** A graph-to-graph rewrite over a static graph; it must keep the graph's inputs and outputs. */
export type GraphPass = (graph: Graph, options: PassOptions) => Graph;

interface PassEntry {
  readonly name: string;
  /** The lowest -O level that runs it. */
  readonly minLevel: number;
  readonly run: GraphPass;
}

/**
 * The optimization passes, in order. Attention matching goes first, while its scalings are still
 * plain Div/Mul nodes (epilogue fusion would fold them into the MatMuls). Epilogue fusion
 * (conv/matmul + bias/activation/residual) goes before elementwise-chain fusion, so chains that end
 * in a conv's epilogue join the conv instead.
 */
const PASSES: readonly PassEntry[] = [
  { name: 'fuse-attention', minLevel: 1, run: fuseAttention },
  { name: 'fuse-epilogue', minLevel: 1, run: fuseEpilogue },
  { name: 'fuse-layernorm', minLevel: 1, run: fuseLayerNorm },
  { name: 'fuse-elementwise', minLevel: 1, run: fuseElementwise },
];

/** Runs the passes that `options.optLevel` enables, in order; `onPass` sees each one's name. */
export function optimizeGraph(graph: Graph, options: PassOptions, onPass?: (name: string) => void): Graph {
  let g = graph;
  for (const pass of PASSES) {
    if (options.optLevel < pass.minLevel) continue;
    onPass?.(pass.name);
    g = pass.run(g, options);
  }
  return g;
}

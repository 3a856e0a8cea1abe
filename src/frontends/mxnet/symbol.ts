/**
 * MXNet's symbol JSON (`PREFIX-symbol.json`): the NNVM form of MXNet 1.x (`nodes` with `attrs`, or
 * `attr` in 0.9.x; inputs as [node, output, version]; `arg_nodes`, `heads`) and the legacy pre-NNVM
 * form (op attributes under `param`, extra ones under `attr`, inputs as [node, output],
 * `backward_source_id`). Both become one list of nodes in order, each input naming an earlier node.
 */
export class SymbolError extends Error {}

export interface MxInput {
  readonly node: number;
  readonly output: number;
}

export interface MxNode {
  readonly op: string;
  readonly name: string;
  /** All attributes as MXNet writes them: strings ("(3, 3)", "True", "0.001"). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly inputs: readonly MxInput[];
}

export interface MxSymbol {
  readonly nodes: readonly MxNode[];
  readonly heads: readonly MxInput[];
  /** 'nnvm' for MXNet >= 0.9, 'legacy' for the older layout. */
  readonly layout: 'nnvm' | 'legacy';
  /** `attrs.mxnet_version` when the file records it (10500 for 1.5.0). */
  readonly version: number | undefined;
}

export function parseSymbol(text: string): MxSymbol {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SymbolError(`not JSON (${(e as Error).message})`);
  }
  if (!isRecord(json) || !Array.isArray(json.nodes))
    throw new SymbolError('no "nodes" list: not an MXNet symbol');
  const raw = json.nodes as unknown[];
  const legacy = raw.some((n) => isRecord(n) && ('param' in n || 'backward_source_id' in n));
  const nodes = raw.map((n, i) => node(n, i, raw.length));
  const heads = Array.isArray(json.heads)
    ? json.heads.map((h, i) => input(h, `heads[${i}]`, nodes.length))
    : [];
  if (heads.length === 0) throw new SymbolError('the symbol has no heads (outputs)');
  const version = versionOf(json.attrs);
  return {
    nodes: version === undefined || version < 900 ? upgradeBatchNorm(nodes) : nodes,
    heads,
    layout: legacy ? 'legacy' : 'nnvm',
    version,
  };
}

/**
 * Symbols from before MXNet 0.9 list a BatchNorm's data, gamma and beta only; MXNet adds its moving
 * statistics as variables `<name>_moving_mean` and `<name>_moving_var` when it loads them.
 */
function upgradeBatchNorm(nodes: readonly MxNode[]): MxNode[] {
  const out = [...nodes];
  for (const [i, n] of nodes.entries()) {
    if (!n.op.startsWith('BatchNorm') || n.inputs.length !== 3) continue;
    const stats = ['moving_mean', 'moving_var'].map((s) => {
      out.push({ op: 'null', name: `${n.name}_${s}`, attrs: {}, inputs: [] });
      return { node: out.length - 1, output: 0 };
    });
    out[i] = { ...n, inputs: [...n.inputs, ...stats] };
  }
  return out;
}

function node(raw: unknown, index: number, count: number): MxNode {
  if (!isRecord(raw)) throw new SymbolError(`node ${index} is not an object`);
  const { op, name } = raw;
  if (typeof op !== 'string' || typeof name !== 'string')
    throw new SymbolError(`node ${index} has no "op" or "name" string`);
  // op attributes: 'attrs' (1.x), 'attr' (0.9.x), legacy 'param' plus 'attr'
  const attrs: Record<string, string> = {};
  for (const key of ['attr', 'param', 'attrs']) {
    const a = raw[key];
    if (a === undefined) continue;
    if (!isRecord(a)) throw new SymbolError(`node '${name}': "${key}" is not an object`);
    for (const [k, v] of Object.entries(a)) attrs[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const inputs = Array.isArray(raw.inputs) ? raw.inputs : [];
  return {
    op,
    name,
    attrs,
    inputs: inputs.map((x, k) => {
      const at = input(x, `node '${name}' input ${k}`, count);
      // nodes come in order: an input must be an earlier node (a cycle is a corrupt file)
      if (at.node >= index)
        throw new SymbolError(`node '${name}' input ${k} refers to a later node ${at.node}`);
      return at;
    }),
  };
}

function input(raw: unknown, what: string, count: number): MxInput {
  if (!Array.isArray(raw) || raw.length < 2 || !raw.every((v) => Number.isInteger(v)))
    throw new SymbolError(`${what} is not [node, output(, version)]`);
  const [nodeIndex, output] = raw as number[];
  if (nodeIndex! < 0 || nodeIndex! >= count || output! < 0)
    throw new SymbolError(`${what} refers to node ${nodeIndex} output ${output} (${count} nodes)`);
  return { node: nodeIndex!, output: output! };
}

function versionOf(attrs: unknown): number | undefined {
  if (!isRecord(attrs)) return undefined;
  const v = attrs.mxnet_version;
  if (Array.isArray(v) && typeof v[1] === 'number') return v[1];
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

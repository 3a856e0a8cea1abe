/**
 * MXNet checkpoint -> IR model: `PREFIX-symbol.json` and `PREFIX-EPOCH.params`, the params file
 * given, or found from the epoch (`--epoch N` -> PREFIX-000N.params), or the only one beside the
 * symbol. Inputs are the symbol's variables the params file does not hold; outputs its heads.
 */
import { readModelFile } from '../read-file.js';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Model } from '../../ir/graph.js';
import { NccError, isNccError } from '../../errors.js';
import type { IoConfig } from '../../options/io-config.js';
import { AttrError } from './attrs.js';
import { convertSymbol } from './convert.js';
import { ParamsError, readMxParams, type MxParams } from './params.js';
import { SymbolError, parseSymbol } from './symbol.js';

export interface MxImportOptions {
  readonly ioConfig?: IoConfig;
  /** The .params file; or the epoch that names it. */
  readonly params?: string;
  readonly epoch?: number;
}

/** `x-symbol.json` or the prefix `x`: the symbol file and the prefix. */
export function mxnetFiles(path: string, options: MxImportOptions): { symbol: string; params: string } {
  const symbol = path.endsWith('-symbol.json') || path.endsWith('.json') ? path : `${path}-symbol.json`;
  const prefix = symbol.replace(/-symbol\.json$|\.json$/, '');
  if (options.params) return { symbol, params: options.params };
  if (options.epoch !== undefined)
    return { symbol, params: `${prefix}-${String(options.epoch).padStart(4, '0')}.params` };
  const dir = dirname(prefix);
  const stem = basename(prefix);
  const found = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.startsWith(`${stem}-`) && /-\d+\.params$/.test(f))
    : [];
  if (found.length === 1) return { symbol, params: join(dir, found[0]!) };
  throw new NccError(
    'NCC_BAD_OPTION',
    `which parameters go with ${basename(symbol)}? ${found.length ? `found ${found.join(', ')}` : 'no PREFIX-EPOCH.params beside it'}`,
    {
      file: symbol,
      hint: 'give the .params file after the symbol (neuron-cc compile x-symbol.json x-0000.params) or --epoch N',
    },
  );
}

export function importMxnetFiles(path: string, options: MxImportOptions = {}): Model {
  const files = mxnetFiles(path, options);
  const symbolText = new TextDecoder().decode(readFile(files.symbol, 'the symbol JSON'));
  let params: MxParams;
  try {
    params = readMxParams(readFile(files.params, 'the parameters'));
  } catch (e) {
    if (isNccError(e)) throw e;
    throw badModel(files.params, (e as Error).message);
  }
  try {
    const symbol = parseSymbol(symbolText);
    const io = options.ioConfig;
    const graph = convertSymbol(symbol, {
      file: files.symbol,
      params,
      pinned: io?.inputs ?? new Map(),
      ...(io?.outputs ? { outputs: io.outputs } : {}),
    });
    return {
      name: basename(files.symbol).replace(/-symbol\.json$|\.json$/, ''),
      graph,
      opsets: new Map([['', 21]]),
      producer: `MXNet symbol (${symbol.layout === 'legacy' ? 'legacy JSON' : `NNVM JSON${symbol.version ? `, MXNet ${symbol.version}` : ''}`}; ${params.format})`,
      source: { format: 'mxnet', path: files.symbol },
    };
  } catch (e) {
    if (isNccError(e)) throw e;
    if (e instanceof SymbolError || e instanceof AttrError || e instanceof ParamsError)
      throw badModel(files.symbol, e.message);
    throw badModel(files.symbol, (e as Error).message);
  }
}

function readFile(path: string, what: string): Uint8Array {
  return readModelFile(
    path,
    'an MXNet checkpoint is PREFIX-symbol.json plus PREFIX-EPOCH.params; check both paths',
    what,
  );
}

function badModel(path: string, why: string): NccError {
  return new NccError('NCC_BAD_MODEL', `${basename(path)} is not a readable MXNet model: ${why}`, {
    file: path,
    hint: 'the file is corrupt, truncated or not an MXNet checkpoint; export it again (HybridBlock.export or Module.save_checkpoint)',
  });
}

/**
 * aten::lstm and aten::gru (what traced nn.LSTM / nn.GRU record) as the IR's LSTM and GRU, one node
 * per layer: torch's flat parameter list (w_ih, w_hh, b_ih, b_hh per layer and direction) becomes
 * W, R and B with the gates reordered (torch LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h, with
 * linear_before_reset as torch computes n), layers chained on the directions' outputs side by side,
 * the final states stacked layer by layer. Dropout between layers is inactive at inference.
 */
import { attr } from '../../graph-builder.js';
import { tensor, tuple, type Value } from '../values.js';
import { LowerError, op, type AtenCall, type AtenTable } from './call.js';

type Kind = 'LSTM' | 'GRU';

/** Torch's gate blocks reordered to the IR's, along axis 0 of a [gates*H, ...] tensor. */
function reorder(c: AtenCall, t: string, kind: Kind, hidden: number): string {
  const order = kind === 'LSTM' ? [0, 3, 1, 2] : [1, 0, 2];
  const blocks = c.node(
    'Split',
    [t, c.ints64(new Array<number>(order.length).fill(hidden))],
    { axis: attr.int(0) },
    order.length,
  );
  return c.one(
    'Concat',
    order.map((i) => blocks[i]!),
    { axis: attr.int(0) },
  );
}

const unsqueeze0 = (c: AtenCall, t: string): string => c.one('Unsqueeze', [t, c.ints64([0])]);

function recurrent(kind: Kind): (c: AtenCall) => Value {
  return (c) => {
    if (c.bool('train')) throw new LowerError(`${kind.toLowerCase()} in training mode`, true);
    const hasBiases = c.bool('has_biases');
    const layers = c.int('num_layers');
    const directions = c.bool('bidirectional') ? 2 : 1;
    const batchFirst = c.bool('batch_first');
    const params = c.tensors('params');
    const perDirection = hasBiases ? 4 : 2;
    if (params.length !== layers * directions * perDirection)
      throw new LowerError(`${params.length} parameters for ${layers} layers x ${directions} directions`);
    // LSTM takes [h0, c0]; GRU takes h0 alone
    const hx = c.value('hx').kind === 'tensor' ? [c.tensor('hx')] : c.tensors('hx');
    if (hx.length !== (kind === 'LSTM' ? 2 : 1))
      throw new LowerError(`${kind} takes ${kind === 'LSTM' ? 2 : 1} initial states`);
    const hidden = c.shapeOf(hx[0]!)[2]!;
    let x = c.tensor('input');
    const rank = c.rankOf(x);
    if (rank !== 3) throw new LowerError(`${kind.toLowerCase()} of an unbatched ${rank}-d input`, true);
    // the IR's recurrences take [seq, batch, features]
    if (batchFirst) x = c.one('Transpose', [x], { perm: attr.ints([1, 0, 2]) });
    const hs: string[] = [];
    const cs: string[] = [];
    for (let l = 0; l < layers; l++) {
      const ws: string[] = [];
      const rs: string[] = [];
      const bs: string[] = [];
      for (let d = 0; d < directions; d++) {
        const at = (l * directions + d) * perDirection;
        ws.push(unsqueeze0(c, reorder(c, params[at]!, kind, hidden)));
        rs.push(unsqueeze0(c, reorder(c, params[at + 1]!, kind, hidden)));
        if (hasBiases) {
          const b = c.one(
            'Concat',
            [reorder(c, params[at + 2]!, kind, hidden), reorder(c, params[at + 3]!, kind, hidden)],
            { axis: attr.int(0) },
          );
          bs.push(unsqueeze0(c, b));
        }
      }
      const stack = (parts: string[]): string =>
        parts.length === 1 ? parts[0]! : c.one('Concat', parts, { axis: attr.int(0) });
      const states = hx.map((h) =>
        c.one('Slice', [h, c.ints64([l * directions]), c.ints64([(l + 1) * directions]), c.ints64([0])]),
      );
      const inputs = [
        x,
        stack(ws),
        stack(rs),
        hasBiases ? stack(bs) : '',
        '',
        states[0]!,
        ...(kind === 'LSTM' ? [states[1]!] : []),
      ];
      const outs = c.node(
        kind,
        inputs,
        {
          hidden_size: attr.int(hidden),
          direction: attr.string(directions === 2 ? 'bidirectional' : 'forward'),
          ...(kind === 'GRU' ? { linear_before_reset: attr.int(1) } : {}),
        },
        kind === 'LSTM' ? 3 : 2,
      );
      // Y [seq, directions, batch, H] -> [seq, batch, directions * H], the next layer's input
      const seqFirst = c.one('Transpose', [outs[0]!], { perm: attr.ints([0, 2, 1, 3]) });
      const [seq, batch] = c.shapeOf(x);
      x = c.one('Reshape', [seqFirst, c.ints64([seq!, batch!, directions * hidden])]);
      hs.push(outs[1]!);
      if (kind === 'LSTM') cs.push(outs[2]!);
    }
    const output = batchFirst ? c.one('Transpose', [x], { perm: attr.ints([1, 0, 2]) }) : x;
    const cat = (parts: string[]): string =>
      parts.length === 1 ? parts[0]! : c.one('Concat', parts, { axis: attr.int(0) });
    const results = [tensor(output), tensor(cat(hs)), ...(kind === 'LSTM' ? [tensor(cat(cs))] : [])];
    return tuple(results);
  };
}

const SCHEMA = 'input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first';

export const RECURRENT_OPS: AtenTable = {
  'aten::lstm': op(`lstm(${SCHEMA})`, recurrent('LSTM')),
  'aten::gru': op(`gru(${SCHEMA})`, recurrent('GRU')),
};

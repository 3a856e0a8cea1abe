import { load, store } from '../../kernel/build.js';
import type { Expr, Stmt } from '../../kernel/ir.js';
import type { Activation } from '../../../ops/recurrent/rnn-activations.js';
import type { Scope } from '../elementwise/scalar.js';
import type { Lowered, LowerContext, LoweredValue } from '../lowering.js';
import { registerLowerings } from '../registry.js';
import { activation, gate } from './activations.js';
import { matrix } from './common.js';
import { lowerGru } from './gru-cell.js';
import { planRnn, type RnnPlan } from './rnn-plan.js';
import {
  batchRows,
  hIndex,
  hiddenLoop,
  hState,
  recurrence,
  rowAt,
  stepGemm,
  storeOutputs,
  xwAt,
  zeroY,
  type Time,
} from './rnn-steps.js';

/**
 * RNN and LSTM (GRU in gru-cell.ts): after the shared input projection (rnn-plan.ts), one kernel
 * runs the time loop; each iteration multiplies every direction's hidden state by R^T with a GEMM
 * over the batch, then applies the gate math row by row in a vectorized loop over the hidden
 * units. Gate formulas follow the reference cells (src/ops/recurrent/{rnn,lstm}.ts).
 */

/** Ht = f(Xt W^T + Ht-1 R^T + Wb + Rb). */
function lowerRnn(ctx: LowerContext): Lowered {
  const { plan: p, pre, post } = planRnn(ctx, { op: 'RNN', gates: 1, defaults: ['Tanh'] });
  const { H, n } = p;
  const g = ctx.scratch(p.cdt, p.B * H, 'rnn_g');
  const rec = recurrence(p, '', (d, i) => [
    ...stepGemm(p, d, hState(p, d), 0, H, matrix(g, 0, H)),
    batchRows(
      p,
      d,
      i,
      (b, t) => [
        hiddenLoop(p, (j, s) => {
          const x = n.add(xwAt(p, d, t, b, j, 0), rowAt(p, g, b, H, 0, j));
          return storeOutputs(p, d, t, b, j, gate(p.acts[d]![0]!, n, s, x, p.clip));
        }),
      ],
      zeroY(p, d),
    ),
  ]);
  return { kernels: [...pre, rec, ...post] };
}

interface LstmStep {
  readonly p: RnnPlan;
  readonly d: number;
  readonly g: string;
  readonly peep: LoweredValue | undefined;
  readonly coupled: boolean;
}

/** Gate blocks of W, R and B; the peepholes P [D, 3H] are Pi, Po, Pf. */
const [I, O, F, C] = [0, 1, 2, 3];
const PEEP = { [I]: 0, [O]: 1, [F]: 2 } as Record<number, number>;

/**
 * One hidden unit of one row: clip bounds each gate's pre-activation, the cell state goes through
 * h unclipped; with input_forget the forget gate is 1 - i.
 */
function lstmUnit(e: LstmStep, t: Time, b: string, j: string, s: Scope): Stmt[] {
  const { p, d, g, peep } = e;
  const { H, n, clip, cdt } = p;
  const [f, gAct, hAct] = p.acts[d] as [Activation, Activation, Activation];
  const preAct = (block: number, c?: Expr): Expr => {
    const x = n.add(xwAt(p, d, t, b, j, block), rowAt(p, g, b, 4 * H, block * H, j));
    if (!peep || !c) return x;
    const weight = load(peep.buffer, peep.dtype, {
      terms: [{ v: j, stride: 1 }],
      offset: (3 * d + PEEP[block]!) * H,
    });
    return n.add(x, n.mul(weight, c));
  };
  const c0 = s.let(load(p.c!, cdt, hIndex(p, d, b, j)));
  const it = gate(f, n, s, preAct(I, c0), clip);
  const ft = e.coupled ? s.let(n.sub(n.c(1), it)) : gate(f, n, s, preAct(F, c0), clip);
  const ct = gate(gAct, n, s, preAct(C), clip);
  const c1 = s.let(n.add(n.mul(ft, c0), n.mul(it, ct)));
  const ot = gate(f, n, s, preAct(O, c1), clip);
  const h1 = s.let(n.mul(ot, activation(hAct, n, s, c1)));
  return [store(p.c!, cdt, hIndex(p, d, b, j), c1), ...storeOutputs(p, d, t, b, j, h1)];
}

function lowerLstm(ctx: LowerContext): Lowered {
  const coupled = (ctx.attrs as { input_forget?: number }).input_forget !== 0;
  const {
    plan: p,
    pre,
    post,
  } = planRnn(ctx, { op: 'LSTM', gates: 4, defaults: ['Sigmoid', 'Tanh', 'Tanh'] });
  const g = ctx.scratch(p.cdt, p.B * 4 * p.H, 'lstm_g');
  const rec = recurrence(p, coupled ? '_cifg' : '', (d, i) => {
    const e: LstmStep = { p, d, g, peep: ctx.inputs[7], coupled };
    return [
      ...stepGemm(p, d, hState(p, d), 0, 4 * p.H, matrix(g, 0, 4 * p.H)),
      batchRows(p, d, i, (b, t) => [hiddenLoop(p, (j, s) => lstmUnit(e, t, b, j, s))], zeroY(p, d)),
    ];
  });
  return { kernels: [...pre, rec, ...post] };
}

registerLowerings({ RNN: lowerRnn, GRU: lowerGru, LSTM: lowerLstm });

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { close, f32, i64, infer, run } from '../helpers/op-harness.js';

const logp = f32([2, 3], [-1, -2, -3, -4, -5, -6]);

test('NegativeLogLikelihoodLoss: none, sum, mean', () => {
  const target = i64([2], [2, 0]);
  close(run('NegativeLogLikelihoodLoss', [logp, target], { reduction: 'none' })[0]!, f32([2], [3, 4]));
  close(run('NegativeLogLikelihoodLoss', [logp, target], { reduction: 'sum' })[0]!, f32([], [7]));
  close(run('NegativeLogLikelihoodLoss', [logp, target])[0]!, f32([], [3.5]));
});

test('NegativeLogLikelihoodLoss: weights and ignore_index divide by the kept weight', () => {
  const target = i64([2], [2, 0]);
  const weight = f32([3], [2, 1, 0.5]);
  // 0.5 * 3 + 2 * 4 over 0.5 + 2
  close(run('NegativeLogLikelihoodLoss', [logp, target, weight])[0]!, f32([], [9.5 / 2.5]));
  close(run('NegativeLogLikelihoodLoss', [logp, target, weight], { ignore_index: 0 })[0]!, f32([], [3]));
  close(
    run('NegativeLogLikelihoodLoss', [logp, i64([2], [-1, 1])], { ignore_index: -1, reduction: 'none' })[0]!,
    f32([2], [0, 5]),
  );
  assert.throws(() => run('NegativeLogLikelihoodLoss', [logp, i64([2], [3, 0])]));
});

test('NegativeLogLikelihoodLoss over [N, C, d] targets', () => {
  const x = f32([1, 2, 2], [-1, -2, -3, -4]); // x[0, c, d]
  close(
    run('NegativeLogLikelihoodLoss', [x, i64([1, 2], [1, 0])], { reduction: 'none' })[0]!,
    f32([1, 2], [3, 2]),
  );
});

test('SoftmaxCrossEntropyLoss returns the loss and log probabilities', () => {
  const scores = f32([1, 2], [0, Math.log(3)]);
  const [loss, lp] = run('SoftmaxCrossEntropyLoss', [scores, i64([1], [1])], {}, 2);
  close(loss!, f32([], [-Math.log(0.75)]));
  close(lp!, f32([1, 2], [Math.log(0.25), Math.log(0.75)]));
});

test('loss infer: scalar unless reduction none', () => {
  const s = { dtype: 'float32' as const, shape: ['n', 5, 7] };
  const tg = { dtype: 'int64' as const, shape: ['n', 7] };
  assert.deepEqual(infer('SoftmaxCrossEntropyLoss', [s, tg], {}, 2), [{ dtype: 'float32', shape: [] }, s]);
  assert.deepEqual(infer('NegativeLogLikelihoodLoss', [s, tg], { reduction: 'none' })[0]!.shape, ['n', 7]);
});

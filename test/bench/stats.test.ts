import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geomean, median, medianOfRatios, percentile } from '../../src/bench/stats.js';

test('median of odd and even counts, unsorted input left as it was', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
});

test('percentile interpolates between the closest ranks, as numpy does', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(xs, 90), 9.1); // numpy.percentile(range(1, 11), 90) == 9.1
  assert.equal(percentile(xs, 0), 1);
  assert.equal(percentile(xs, 100), 10);
  assert.equal(percentile([10, 20], 90), 19);
  assert.equal(percentile([3], 90), 3);
});

test('geomean of ratios; NaN when a value is not positive', () => {
  assert.equal(geomean([2, 8]), 4);
  assert.ok(Math.abs(geomean([1.5, 2, 3]) - Math.cbrt(9)) < 1e-12);
  assert.ok(Number.isNaN(geomean([])));
  assert.ok(Number.isNaN(geomean([2, 0])));
  assert.ok(Number.isNaN(geomean([2, -1])));
});

test('medianOfRatios pairs samples by round, not by rank', () => {
  // sorted separately the medians would give 20 / 10 = 2; pairwise ratios are 1, 1, 4
  assert.equal(medianOfRatios([10, 20, 40], [10, 20, 10]), 1);
  assert.equal(medianOfRatios([6, 6, 6, 6], [3, 2]), 2.5);
});

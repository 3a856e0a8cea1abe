import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownTable, mib, ms, ratio, sig, textTable } from '../../src/bench/table.js';

const header = ['model', 'T', 'ncc med', 'vs web', 'variant'];
const rows = [
  ['resnet50', '1', '120', '2.31x', 'simd128+relaxed-simd'],
  ['bert_small', '2', '9.52', '-', 'simd128'],
];

test('textTable pads each column to its widest cell, figures right and text left', () => {
  assert.equal(
    textTable(header, rows),
    [
      'model       T  ncc med  vs web  variant',
      '----------  -  -------  ------  --------------------',
      'resnet50    1      120   2.31x  simd128+relaxed-simd',
      'bert_small  2     9.52       -  simd128',
    ].join('\n'),
  );
});

test('markdownTable aligns figure columns right and escapes pipes', () => {
  assert.equal(
    markdownTable(header, [...rows, ['a|b', '1', '1', '1x', 'x']]),
    [
      '| model | T | ncc med | vs web | variant |',
      '|---|---:|---:|---:|---|',
      '| resnet50 | 1 | 120 | 2.31x | simd128+relaxed-simd |',
      '| bert_small | 2 | 9.52 | - | simd128 |',
      '| a\\|b | 1 | 1 | 1x | x |',
    ].join('\n'),
  );
});

test('number formats: three significant digits of ms, ratios, MiB, and - for none', () => {
  assert.deepEqual(
    [ms(1.2345), ms(12.345), ms(123.45), ms(undefined), ms(NaN)],
    ['1.23', '12.3', '123', '-', '-'],
  );
  assert.deepEqual([ratio(2.3149), ratio(undefined), ratio(Infinity)], ['2.31x', '-', '-']);
  assert.equal(mib(3 * 2 ** 20), '3.0');
  assert.deepEqual(
    [sig(0.002598), sig(1.54), sig(12.3), sig(0), sig(Infinity), sig(NaN)],
    ['0.0026', '1.5', '12', '0', 'inf', '-'],
  );
});

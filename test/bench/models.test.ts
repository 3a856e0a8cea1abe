import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSuiteArgs } from '../../src/bench/args.js';
import { batchOf } from '../../src/bench/compile-job.js';
import { BENCH_MODELS, discoverModels } from '../../src/bench/models.js';
import { tempDir } from '../helpers/onnx-builder.js';

function folder(dir: string, name: string, meta: object | undefined, files: readonly string[]): void {
  mkdirSync(join(dir, name, 'inputs'), { recursive: true });
  if (meta) writeFileSync(join(dir, name, 'meta.json'), JSON.stringify(meta));
  for (const f of files) writeFileSync(join(dir, name, f), '');
}

const META = {
  framework: 'onnx',
  files: ['model.onnx'],
  io_config: { inputs: { x: [[1, 4], 'float32'] } },
  inputs: { x: 'inputs/x.npy' },
  outputs: {},
  tolerance: { atol: 0.002 },
};

test('discoverModels reads meta.json and models.json, and skips what is incomplete with the command that makes it', () => {
  const dir = tempDir('ncc-bench-models-');
  folder(dir, 'good', META, ['model.onnx', 'inputs/x.npy']);
  folder(dir, 'noinput', META, ['model.onnx']);
  folder(dir, 'nometa', undefined, ['model.onnx']);
  folder(dir, 'torch', { ...META, framework: 'pytorch', files: ['model.pt'] }, ['model.pt', 'inputs/x.npy']);
  folder(dir, 'web', { ...META, framework: 'tensorflow', files: ['model.json'] }, [
    'model.json',
    'inputs/x.npy',
  ]);
  writeFileSync(join(dir, 'models.json'), JSON.stringify({ good: { gflops: 1.5 } }));
  const { models, skipped } = discoverModels(dir, ['good', 'noinput', 'nometa', 'torch', 'web', 'absent']);
  assert.equal(models.length, 2);
  assert.deepEqual(
    [models[1]!.name, models[1]!.format, models[1]!.framework, models[1]!.modelFile],
    ['web', 'tfjs', 'tensorflow', join(dir, 'web/model.json')],
  );
  assert.deepEqual(models[0], {
    name: 'good',
    modelFile: join(dir, 'good/model.onnx'),
    format: 'onnx',
    framework: 'onnx',
    ioConfig: META.io_config,
    inputs: { x: join(dir, 'good/inputs/x.npy') },
    outputs: {},
    tolerance: { atol: 0.002, rtol: 1e-3 },
    gflop: 1.5,
  });
  assert.deepEqual(
    skipped.map((s) => [s.name, s.reason.split(' ')[0]]),
    [
      ['noinput', 'missing'],
      ['nometa', 'cannot'],
      ['torch', join(dir, 'torch/model.pt')],
      ['absent', 'no'],
    ],
  );
  assert.match(skipped[2]!.reason, /neither ONNX nor a TF\.js graph model/);
  assert.equal(skipped[3]!.command, `../shared/scripts/make-bench-models.sh ${dir} --only absent`);
});

test('bench arguments: defaults, lists, and refusals', () => {
  const d = parseSuiteArgs([], '/p/main');
  assert.equal(d.dir, '/p/benchmodels');
  assert.deepEqual(d.models, [...BENCH_MODELS]);
  assert.deepEqual(d.threads, [1, 2]);
  assert.equal(d.runs, undefined);
  assert.equal(d.quick, false);
  assert.equal(d.out, '/p/main/docs/benchmarks.md');
  assert.equal(d.command, 'npm run bench');
  const o = parseSuiteArgs(
    ['/m', '--models', 'resnet18, bert_small', '--threads', '2', '--runs', '4', '--quick'],
    '/p/main',
  );
  assert.equal(o.dir, '/m');
  assert.deepEqual(o.models, ['resnet18', 'bert_small']);
  assert.deepEqual(o.threads, [2]);
  assert.equal(o.runs, 4);
  assert.equal(o.quick, true);
  assert.equal(o.command, 'npm run bench -- /m --models resnet18, bert_small --threads 2 --runs 4 --quick');
  assert.throws(() => parseSuiteArgs(['--threads', '0'], '/p'), { code: 'NCC_BAD_OPTION' });
  assert.throws(() => parseSuiteArgs(['--runs', 'x'], '/p'), { code: 'NCC_BAD_OPTION' });
  assert.throws(() => parseSuiteArgs(['--bogus'], '/p'), { code: 'NCC_BAD_OPTION' });
  assert.throws(() => parseSuiteArgs(['a', 'b'], '/p'), { code: 'NCC_BAD_OPTION' });
});

test('batchOf reads the batch a model file declares', () => {
  const input = (shape: (number | string)[] | undefined) => ({
    name: 'x',
    type: { dtype: 'float32' as const, shape },
  });
  assert.equal(batchOf([input([1, 3]), input([1])]), 'fixed at 1');
  assert.equal(batchOf([input(['N', 3])]), 'dynamic');
  assert.equal(batchOf([input([1, 3]), input([4])]), 'unknown');
  assert.equal(batchOf([input(undefined)]), 'unknown');
  assert.equal(batchOf([]), 'unknown');
});

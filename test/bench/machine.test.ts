import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installedRuntimes, machine, packageVersion, versions } from '../../src/bench/machine.js';

test('packageVersion finds an installed package and says when one is not', () => {
  const lock = JSON.parse(
    readFileSync(new URL('../../../node_modules/onnxruntime-node/package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  assert.equal(packageVersion('onnxruntime-node'), lock.version);
  assert.equal(packageVersion('no-such-package-for-neuron-cc'), 'not installed');
  assert.match(versions()['neuron-cc']!, /^\d+\.\d+\.\d+/);
});

test('installedRuntimes keeps neuron-cc and installed peers, naming a missing one', () => {
  const lines: string[] = [];
  assert.deepEqual(
    installedRuntimes(['neuron-cc', 'onnxruntime-node'], (l) => lines.push(l)),
    ['neuron-cc', 'onnxruntime-node'],
  );
  assert.deepEqual(lines, []);
});

test('machine describes the CPU, cores, memory and OS', () => {
  const m = machine();
  assert.ok(m.cores >= 1 && m.memoryBytes > 2 ** 20 && m.cpu.length > 0 && m.os.length > 0);
  assert.ok(m.loadBefore >= 0);
});

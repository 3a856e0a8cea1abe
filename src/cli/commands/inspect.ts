import { accuracyLines } from '../../driver/accuracy.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NccError } from '../../errors.js';
import { readNeff } from '../../neff/reader.js';
import type { NeffTensor } from '../../neff/contents.js';
import { formatBytes } from './check.js';

/** `neuron-cc inspect`: what a NEFF holds, read through the validating reader. */
export function inspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('describe a NEFF file: versions, options, inputs/outputs, sections, required features')
    .argument('<neff>', 'NEFF file')
    .option('--json', 'print the metadata as JSON')
    .action((path: string, flags: { json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch {
        throw new NccError('NCC_FILE_NOT_FOUND', `cannot read ${path}`, { file: path });
      }
      const file = readNeff(bytes);
      const m = file.contents.metadata;
      const table = file.buckets?.table;
      if (flags.json) {
        console.log(
          JSON.stringify(
            { formatVersion: file.version, ...(table ? { buckets: table } : {}), ...m },
            null,
            2,
          ),
        );
        return;
      }
      const axes = (io: { name: string; axes: readonly (string | number)[] }): string =>
        `${io.name}[${io.axes.join(',')}]`;
      const bucketLines = table
        ? [
            `buckets: ${table.buckets.length} programs sharing a ${formatBytes(file.buckets!.pool.length)} weights pool, by ${Object.entries(
              table.dims,
            )
              .map(([d, v]) => `${d} ${v.join('/')}`)
              .join(', ')}${
              Object.keys(table.pinned).length
                ? `; pinned ${Object.entries(table.pinned)
                    .map(([d, n]) => `${d} ${n}`)
                    .join(', ')}`
                : ''
            }`,
            `  inputs ${table.inputs.map(axes).join(', ')}; outputs ${table.outputs.map(axes).join(', ')}`,
            ...table.buckets.map(
              (b, k) =>
                `  bucket ${k}: ${Object.entries(b.dims)
                  .map(([d, n]) => `${d} ${n}`)
                  .join(
                    ', ',
                  )}, weights ${formatBytes(file.buckets!.programs[k]!.metadata.memory.weightsBytes)} from ${b.weights.length} pool chunks`,
            ),
            'the largest bucket:',
          ]
        : [];
      const tensor = (t: NeffTensor): string =>
        `  ${t.name}: ${t.dtype}[${t.shape.join(',')}] at ${t.offset} (${formatBytes(t.byteLength)})`;
      console.log(
        [
          `NEFF ${file.version.major}.${file.version.minor}: ${m.model.name}, compiled by ${m.compiler.name} ${m.compiler.version}`,
          ...bucketLines,
          `options: ${JSON.stringify(m.options)}`,
          'inputs:',
          ...m.inputs.map(tensor),
          'outputs:',
          ...m.outputs.map(tensor),
          `memory: ${formatBytes(m.memory.totalBytes)} (weights ${formatBytes(m.memory.weightsBytes)} at ${m.memory.weightsOffset}, arena ${formatBytes(m.memory.arenaBytes)} at ${m.memory.arenaOffset})`,
          'code variants (best first):',
          ...file.contents.variants.map(
            (v) => `  ${v.features.join(' + ')}: ${formatBytes(v.wasm.byteLength)}`,
          ),
          'sections:',
          ...file.sections.map(
            (s) =>
              `  ${s.kind.padEnd(8)} offset ${s.offset}, ${formatBytes(s.length)}, ${s.checksumKind} ${s.checksum.toString(16).padStart(8, '0')}${s.program ? `, bucket ${s.program - 1}` : ''}`,
          ),
          ...(Object.keys(m.summary).length
            ? [
                `summary: ${Object.entries(m.summary)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ')}`,
              ]
            : []),
          ...(m.accuracy ? accuracyLines(m.accuracy) : []),
        ].join('\n'),
      );
    });
}

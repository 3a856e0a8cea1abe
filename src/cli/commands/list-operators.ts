import type { Command } from 'commander';
import { FRAMEWORKS, detectFramework } from '../../driver/load-model.js';
import { TF_OPS } from '../../frontends/tensorflow/ops/index.js';
import { supportedTorchOps } from '../../frontends/pytorch/calls.js';
import { MX_OPS } from '../../frontends/mxnet/ops/index.js';
import { registeredOps } from '../../ops/all.js';

/** Supported op types, generated from the registry and the frontends' mapping tables (no hand-kept list). */
export function listOperatorsCommand(program: Command): void {
  program
    .command('list-operators')
    .description('print the operators a framework frontend supports')
    .option('--framework <name>', `one of ${FRAMEWORKS.join(', ')}`, 'onnx')
    .action((opts: { framework: string }) => {
      const framework = detectFramework('', opts.framework);
      if (framework === 'tensorflow') {
        const ops = [...TF_OPS.keys()].sort();
        console.log(
          `# ${ops.length} TensorFlow operators (mapped onto the IR by src/frontends/tensorflow/ops)`,
        );
        for (const op of ops) console.log(op);
        return;
      }
      if (framework === 'mxnet') {
        const ops = Object.keys(MX_OPS).sort();
        console.log(`# ${ops.length} MXNet operators (mapped onto the IR by src/frontends/mxnet/ops)`);
        for (const op of ops) console.log(op);
        return;
      }
      if (framework === 'pytorch') {
        const ops = supportedTorchOps();
        console.log(
          `# ${ops.length} TorchScript operators (aten ops mapped by src/frontends/pytorch/aten, computed at compile time when they work on sizes and lists)`,
        );
        for (const op of ops) console.log(op);
        return;
      }
      const names = registeredOps().map((d) => (d.domain ? `${d.domain}::${d.type}` : d.type));
      console.log(`# ${names.length} ONNX operators (default domain ai.onnx unless prefixed)`);
      for (const n of names) console.log(n);
    });
}

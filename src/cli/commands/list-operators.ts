import type { Command } from 'commander';
import { FRAMEWORKS, detectFramework } from '../../driver/load-model.js';
import { registeredOps } from '../../ops/all.js';

/** Supported op types, generated from the registry (there is no hand-kept list). */
export function listOperatorsCommand(program: Command): void {
  program
    .command('list-operators')
    .description('print the operators a framework frontend supports')
    .option('--framework <name>', `one of ${FRAMEWORKS.join(', ')}`, 'onnx')
    .action((opts: { framework: string }) => {
      detectFramework('', opts.framework);
      const names = registeredOps().map((d) => (d.domain ? `${d.domain}::${d.type}` : d.type));
      console.log(`# ${names.length} ONNX operators (default domain ai.onnx unless prefixed)`);
      for (const n of names) console.log(n);
    });
}

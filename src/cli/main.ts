#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isNccError } from '../errors.js';
import { checkCommand } from './commands/check.js';
import { compileCommand } from './commands/compile.js';
import { inspectCommand } from './commands/inspect.js';
import { runCommand } from './commands/run.js';
import { profileCommand } from './commands/profile.js';
import { evaluateCommand } from './commands/evaluate.js';
import { serveCommand } from './commands/serve.js';
import { listOperatorsCommand } from './commands/list-operators.js';
import { VERSION } from '../version.js';

/** The `neuron-cc` command. Errors print as one or two lines with their code; --verbose adds the stack. */
const program = new Command()
  .name('neuron-cc')
  .description('Ahead-of-time compiler for trained ML models (ONNX in; NEFF out)')
  .version(VERSION)
  .option('--verbose', 'print stack traces with errors')
  // options after a subcommand belong to it: `compile --verbose DEBUG` takes a level, the others a flag
  .enablePositionalOptions()
  .exitOverride();

listOperatorsCommand(program);
checkCommand(program);
compileCommand(program);
inspectCommand(program);
runCommand(program);
profileCommand(program);
evaluateCommand(program);
serveCommand(program);
(await import('./commands/bench.js')).benchCommand(program);

for (const command of program.commands) {
  if (!command.options.some((o) => o.long === '--verbose'))
    command.option('--verbose', 'print stack traces with errors');
  command.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    const verbose =
      program.opts<{ verbose?: boolean }>().verbose === true || process.argv.includes('--verbose');
    if (isNccError(e)) {
      console.error(e.format());
      if (verbose) console.error(e.stack);
    } else {
      console.error(
        `error NCC_INTERNAL: ${(e as Error).message}\n  hint: this is a bug in neuron-cc; please report it`,
      );
      if (verbose) console.error((e as Error).stack);
    }
    process.exitCode = 1;
  }
}

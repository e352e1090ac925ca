#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../package-info.js';
import { installSignalHandlers } from './interrupt.js';
import { registerCommands } from './registry.js';
import { reportError } from './report-error.js';

/** The only place that exits: commands return or throw. */
async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('llm-orchestrator')
    .description('Plan and carry out code changes with local models, one approved, recorded step at a time.')
    .option('--repo <dir>', 'the target git repository (default: the working directory)')
    .option('--runs-dir <dir>', 'where runs are kept (default: <repo>/runs)')
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of errors')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander refuses is a usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error, program.opts<{ debug?: boolean }>().debug === true);
  }
}

installSignalHandlers();
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`llm-orchestrator: internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);

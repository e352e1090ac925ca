#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../package-info.js';
import { installSignalHandlers } from './interrupt.js';
import { jsonMode, printJsonOutcome } from './print.js';
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
    const code = process.exitCode === undefined ? 0 : Number(process.exitCode);
    if (jsonMode()) printJsonOutcome(code, null);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander refuses is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      // Refused before any command ran, so --json is read from the arguments themselves.
      if (argv.includes('--json')) printJsonOutcome(2, error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '), argv.slice(2).find((arg) => program.commands.some((c) => c.name() === arg)) ?? null);
      return 2;
    }
    const code = reportError(error, program.opts<{ debug?: boolean }>().debug === true);
    if (jsonMode()) printJsonOutcome(code, error instanceof Error ? error.message : String(error));
    return code;
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

import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { TOOL_VERSION } from '../package-info.js';
import { installSignalHandlers } from './interrupt.js';
import { clearLive, jsonMode, printJsonOutcome } from './print.js';
import { commandExitCode, registerCommands } from './registry.js';
import { refuseMistypedOption } from './mistyped-option.js';
import { reportError } from './report-error.js';
import { stdoutIsTerminal, writeStdout } from './stdout.js';
import { suggestCommands } from './suggest-command.js';

/** The program's options that take a value, so that value is not read as the command's name. */
const GLOBAL_VALUE_OPTIONS = new Set(['--repo', '--runs-dir']);

/**
 * The word in the command's place, as commander finds it: the first argument that is neither an
 * option nor a global option's value. Undefined when there is none (`--help`, no arguments).
 */
export function invokedName(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
  }
  return undefined;
}

/**
 * commander's questions about standard output when it prints help (how wide, whether to colour),
 * answered as it answers them, but without creating process.stdout to ask `isTTY`: for a pipe
 * that loads net and streams, a tenth of `--help`. A pipe or a file is told apart without it, and
 * gets commander's answers for a stream that is no terminal.
 */
function stdoutQuestions(defaults: OutputConfiguration): OutputConfiguration {
  return {
    // commander's width for a stream that is no terminal is none, which its help reads as 80.
    getOutHelpWidth: () => (stdoutIsTerminal() ? defaults.getOutHelpWidth!() : 80),
    getOutHasColors: () => {
      if (stdoutIsTerminal()) return defaults.getOutHasColors!();
      // commander's useColor(), which it does not export; no colour where it would ask the stream.
      const env = process.env;
      if (env['NO_COLOR'] || env['FORCE_COLOR'] === '0' || env['FORCE_COLOR'] === 'false') return false;
      return Boolean(env['FORCE_COLOR']) || env['CLICOLOR_FORCE'] !== undefined;
    },
  };
}

function createProgram(only?: string, output: OutputConfiguration = { writeOut: writeStdout }): Command {
  const program = new Command();
  // Before the commands are added: they copy the program's output settings when created.
  program.configureOutput({ ...stdoutQuestions({ ...program.configureOutput() }), ...output });
  program
    .name('llm-orchestrator')
    .description('Plan and carry out code changes with local models, one approved, recorded step at a time.')
    .option('--repo <dir>', 'the target git repository (default: the working directory)')
    .option('--runs-dir <dir>', 'where runs are kept (default: <repo>/runs)')
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of errors')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  $ llm-orchestrator init --spec spec.md --planner-model qwen2.5-coder:14b --executor-model qwen2.5-coder:7b',
        '  $ llm-orchestrator status --run ID     (names the next command to run, at every step)',
        '',
        'Each command explains itself: llm-orchestrator COMMAND --help',
      ].join('\n'),
    )
    .exitOverride()
    .hook('preSubcommand', (thisCommand, subcommand) => refuseMistypedOption(thisCommand, subcommand));
  registerCommands(program, only);
  return program;
}

async function main(argv: string[]): Promise<number> {
  // Only the command named is built (all of them when none is, for the listing and suggestions).
  const program = createProgram(invokedName(argv));
  // Commander only catches typos of a whole name; `approve` or `list` (part of a name) deserve a hint too.
  program.on('command:*', (operands: string[]) => {
    const word = operands[0] ?? '';
    const guesses = suggestCommands(word, program.commands.map((command) => command.name()));
    const hint = guesses.length > 0 ? `\n(Did you mean ${guesses.join(' or ')}?)` : '';
    program.error(`error: unknown command '${word}'${hint}`, { exitCode: 2, code: 'commander.unknownCommand' });
  });
  try {
    await program.parseAsync(argv);
    const code = commandExitCode();
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
    clearLive(); // an error during a model call must not land on the progress line
    const code = reportError(error, program.opts<{ debug?: boolean }>().debug === true);
    if (jsonMode()) printJsonOutcome(code, error instanceof Error ? error.message : String(error));
    return code;
  }
}

/** The CLI, as the bin (src/cli/start.cjs) starts it. The only place that exits: commands return or throw. */
export function run(argv: string[]): void {
  installSignalHandlers();
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`llm-orchestrator: internal error: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { TOOL_VERSION } from '../package-info.js';
import { installSignalHandlers } from './interrupt.js';
import { clearLive, jsonMode, printJsonOutcome } from './print.js';
import { commandExitCode, registerCommands } from './registry.js';
import { refuseMistypedOption } from './mistyped-option.js';
import { reportError } from './report-error.js';
import { recordStartFacts, type StartFacts } from './start-facts.js';
import { writeStdout } from './stdout.js';
import { suggestCommands } from './suggest-command.js';

function createProgram(output: OutputConfiguration = { writeOut: writeStdout }): Command {
  const program = new Command();
  // Before the commands are added: they copy the program's output settings when created.
  program.configureOutput(output);
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
  registerCommands(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = createProgram();
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
export function run(argv: string[], start?: StartFacts): void {
  recordStartFacts(start);
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

/**
 * Called once by the build, never by a command: V8's code cache of the bundle holds the functions
 * that had run when it was made, and every function missing from it is compiled when a command
 * first calls it. So the build runs, silently, what every short command runs: commander parsing
 * each command's options, and zod checking each kind of run file (an empty object, so every
 * field's check runs and fails). Touches no file and no process state.
 */
export async function warmUp(): Promise<void> {
  const silent = { writeOut: () => {}, writeErr: () => {} };
  const names = createProgram(silent).commands.map((command) => command.name());
  for (const args of [['--help'], ...names.map((name) => [name, '--run', 'R', '--task', 'T001', '--help'])]) {
    try {
      // A program per parse: commander keeps what it parsed on the program.
      await createProgram(silent).parseAsync(['node', 'llm-orchestrator', ...args]);
    } catch {
      // help ends in a CommanderError by design (exitOverride)
    }
  }
  const [runFiles, plan] = await Promise.all([import('../schema/run-files.js'), import('../schema/plan.js')]);
  for (const value of Object.values(runFiles)) {
    if (typeof value === 'object' && value !== null && 'safeParse' in value) (value as { safeParse(input: unknown): unknown }).safeParse({});
  }
  plan.validatePlan({});
}


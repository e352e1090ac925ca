import { Command, Option } from 'commander';
import { configureOutput } from './print.js';

/**
 * A command's handler: its options as commander parsed them (each module declares their type,
 * matching the options registered below), and the command for positional arguments. It returns
 * the exit code when that is not 0 without an error (doctor or verify found a ❌, replay a
 * difference), or throws; `main.ts` alone turns that into the process's exit code.
 */
type Handler<O> = (options: O, command: Command) => Promise<number | void>;

let exitCode = 0;
/** The exit code the command that ran returned (0 when it returned none). */
export function commandExitCode(): number {
  return exitCode;
}

/** Each command's module is imported only when it runs, so `--help` and `status` start fast. */
function lazy<O extends object>(load: () => Promise<{ default: Handler<O> }>): (...args: unknown[]) => Promise<void> {
  // commander passes positional arguments first and the command last; handlers read both from it.
  return async (...args) => {
    const command = args.at(-1) as Command;
    const opts = command.opts<Record<string, unknown>>();
    configureOutput({ json: opts['json'] === true, quiet: opts['quiet'] === true, command: command.name() });
    exitCode = (await (await load()).default(command.opts() as O, command)) ?? 0;
  };
}

/** A repeatable option's values, in the order given. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Only the commands that call a model have a progress line to silence, so -q/--quiet is theirs alone. */
const QUIET = ['-q, --quiet', 'no progress line during model calls'] as const;

/**
 * What `command()` gives for a command left out: it takes every chained call and builds nothing.
 * Building all 24 commands with their options is a measurable share of a short command's start.
 */
const leftOut: Command = new Proxy({} as Command, { get: () => () => leftOut });

/**
 * Registers the commands with commander: all of them, or with `only`, just the command of that
 * name (what `main.ts` does when the arguments name a command: its usage and help are all that
 * can be shown then). A name that is no command registers all, for the listing and suggestions.
 */
export function registerCommands(program: Command, only?: string): void {
  define(program, only);
  if (only !== undefined && program.commands.length === 0) define(program, undefined);
}

function define(program: Command, only: string | undefined): void {
  const command = (name: string, summary: string, example: string): Command => {
    if (only !== undefined && name !== only) return leftOut;
    return program
      .command(name)
      .summary(summary)
      .description(summary)
      .option('--json', 'print one JSON object with the result on standard output (same exit codes)')
      .addHelpText('after', `\nExample:\n  $ ${example}`);
  };

  command('init', 'create a run: spec, models, prompt pack, parameters and base commit, fixed', 'llm-orchestrator init --spec spec.md --planner-model qwen2.5-coder:14b --executor-model qwen2.5-coder:7b')
    .option('--spec <file>', 'the spec (Markdown) to plan from (required without --from)')
    .option('--planner-model <model>', 'model that writes the plan (embedded: a .gguf path or ollama:NAME[:TAG]; required without --from)')
    .option('--executor-model <model>', 'model that writes the diffs (embedded: a .gguf path or ollama:NAME[:TAG]; required without --from)')
    .option('--from <run>', "a new run on that run's spec, base commit, context and plan, carrying its approved patches over")
    .option('--num-ctx <tokens>', "with --from: the new run's num_ctx (recorded in its manifest)")
    .option('--num-predict <tokens>', "with --from: the new run's num_predict (recorded in its manifest)")
    .addOption(new Option('--provider <provider>', 'model server protocol, or embedded: run GGUF models in-process (needs node-llama-cpp)').choices(['ollama', 'openai', 'embedded']).default('ollama'))
    .option('--base-url <url>', 'model server URL (default: $OLLAMA_HOST, else http://127.0.0.1:11434)')
    .option('--pack <dir>', 'prompt pack folder (default: the shipped packs/core)')
    .addOption(new Option('--edit-format <format>', "how the executor writes its change: diff, whole (each changed file in full) or search-replace; picks the shipped pack of that format (see docs/edit-formats.md)").choices(['diff', 'whole', 'search-replace']))
    .option('--allow-remote', 'allow a model server that is not on this machine (recorded in the manifest)')
    .option('--check <command>', 'a command (run with sh -c) to run on every validated patch in a throwaway copy, e.g. "npm test" (repeat for more; recorded in the manifest)', collect, [])
    .action(lazy(() => import('./commands/init.js')));

  command('plan', 'ask the planner model for a plan of the spec', 'llm-orchestrator plan --run 2026-01-31_120000_spec')
    .option(...QUIET)
    .requiredOption('--run <id>', 'the run')
    .option('--allow-model-change', 'use a model whose digest differs from the one the run recorded (recorded in the audit log)')
    .option('--base-url <url>', "the run's model server, if it moved (default: the one the run recorded; recorded in the audit log)")
    .action(lazy(() => import('./commands/plan.js')));

  command('revise-plan', 'ask the planner for a new plan revision from your feedback', 'llm-orchestrator revise-plan --run ID --feedback "split T002 in two"')
    .option(...QUIET)
    .requiredOption('--run <id>', 'the run')
    .option('--feedback <text>', 'what to change')
    .option('--feedback-file <file>', 'read the feedback from a file')
    .option('--allow-model-change', 'use a model whose digest differs from the one the run recorded (recorded in the audit log)')
    .option('--base-url <url>', "the run's model server, if it moved (default: the one the run recorded; recorded in the audit log)")
    .action(lazy(() => import('./commands/revise-plan.js')));

  command('edit-plan', 'write the next plan revision yourself, in your editor or from a file; no model is called', 'llm-orchestrator edit-plan --run ID --file plan.json')
    .requiredOption('--run <id>', 'the run')
    .option('--file <file>', 'the plan as JSON (default: open $VISUAL or $EDITOR on the latest revision)')
    .option('--by <name>', 'who wrote it (default: git user.name, else the OS user)')
    .action(lazy(() => import('./commands/edit-plan.js')));

  command('approve-plan', 'approve the current plan revision', 'llm-orchestrator approve-plan --run ID --by "Ada Lovelace"')
    .requiredOption('--run <id>', 'the run')
    .option('--by <name>', 'who approves (default: git user.name, else the OS user)')
    .action(lazy(() => import('./commands/approve-plan.js')));

  command('reject-plan', 'reject the current plan revision', 'llm-orchestrator reject-plan --run ID --reason "misses the tests"')
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who rejects (default: git user.name, else the OS user)')
    .action(lazy(() => import('./commands/reject-plan.js')));

  command('run-task', 'ask the executor model for the diff of one approved task; a later attempt carries what was wrong with the last', 'llm-orchestrator run-task --run ID --task T001 --feedback "keep the old function name"')
    .option(...QUIET)
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--task <id>', 'task id, e.g. T001')
    .option('--feedback <text>', 'tell the model what to do differently from its last attempt (recorded)')
    .option('--feedback-file <file>', 'the same, read from a file')
    .option('--same', 'send the request even if it is byte-identical to the last attempt\'s (recorded)')
    .option('--no-checks', "do not run the run's checks on this attempt's patch (recorded)")
    .option('--check-timeout <seconds>', 'time limit of each check, in seconds (default: 300)')
    .addOption(new Option('--edit-format <format>', "this attempt's reply format in place of the run's: diff, whole or search-replace (recorded; the prompts are the run pack's for that format)").choices(['diff', 'whole', 'search-replace']))
    .option('--checks-only', "run the run's checks again on the latest attempt's patch, without a model call (recorded)")
    .option('--allow-model-change', 'use a model whose digest differs from the one the run recorded (recorded in the audit log)')
    .option('--base-url <url>', "the run's model server, if it moved (default: the one the run recorded; recorded in the audit log)")
    .action(lazy(() => import('./commands/run-task.js')));

  command('approve-task', "approve the latest attempt's patch of a task", 'llm-orchestrator approve-task --run ID --task T001')
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--task <id>', 'task id, e.g. T001')
    .option('--by <name>', 'who approves (default: git user.name, else the OS user)')
    .option('--ack-undeclared', 'approve a patch that changes files the task did not declare (recorded)')
    .option('--ack-failed-checks', 'approve a patch on which a check failed (recorded)')
    .action(lazy(() => import('./commands/approve-task.js')));

  command('reject-task', "reject the latest attempt's patch of a task", 'llm-orchestrator reject-task --run ID --task T001 --reason "edits the wrong function"')
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--task <id>', 'task id, e.g. T001')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who rejects (default: git user.name, else the OS user)')
    .action(lazy(() => import('./commands/reject-task.js')));

  command('add-context', 'let the executor see a repository file', 'llm-orchestrator add-context --run ID --file src/todo.ts')
    .requiredOption('--run <id>', 'the run')
    .option('--file <path>', 'a file of the repository (repeat for more: all are added, or none)', collect, [])
    .option('--task <id>', "the task's declared files that exist at base + approved patches")
    .option('--allow-secret', 'add a file that looks like a secret (.env*, *.pem, id_*, key material), recorded in the audit log')
    .action(lazy(() => import('./commands/add-context.js')));

  command('remove-context', 'stop the executor seeing a file (also one an approved patch touched)', 'llm-orchestrator remove-context --run ID --file src/big-fixture.json')
    .requiredOption('--run <id>', 'the run')
    .option('--file <path>', 'a file in the context (repeat for more: all are removed, or none)', collect, [])
    .action(lazy(() => import('./commands/remove-context.js')));

  command('list-context', 'list the files the executor may see', 'llm-orchestrator list-context --run ID')
    .requiredOption('--run <id>', 'the run')
    .action(lazy(() => import('./commands/list-context.js')));

  command('status', "show the run's state, each task's state and the next command", 'llm-orchestrator status --run ID')
    .requiredOption('--run <id>', 'the run')
    .action(lazy(() => import('./commands/status.js')));

  command('show', "show the plan, or a task's patch coloured like git diff with its fixes and validation", 'llm-orchestrator show --run ID --task T001')
    .requiredOption('--run <id>', 'the run')
    .option('--task <id>', "show this task's latest attempt instead of the plan")
    .option('--attempt <n>', 'with --task: an earlier attempt (1 is the first)')
    .action(lazy(() => import('./commands/show.js')));

  command('apply-task', "apply a task's approved patch to the working tree (--commit: and commit it)", 'llm-orchestrator apply-task --run ID --task T001 --commit')
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--task <id>', 'task id, e.g. T001')
    .option('--commit', 'stage and commit just the patch, with Run, Task and Patch-sha256 trailers')
    .option('--allow-hook-change', 'apply a patch that changes a git hook (core.hooksPath, .husky/), which the next commit runs (recorded)')
    .action(lazy(() => import('./commands/apply-task.js')));

  command('undo-task', "take an applied task's patch back out (a revert commit if it was applied with --commit)", 'llm-orchestrator undo-task --run ID --task T002')
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--task <id>', 'task id, e.g. T001')
    .option('--allow-hook-change', 'undo a patch that changes a git hook (core.hooksPath, .husky/), which the next commit runs (recorded)')
    .action(lazy(() => import('./commands/undo-task.js')));

  command('runs', 'list the runs of this repository with their state and next command', 'llm-orchestrator runs')
    .action(lazy(() => import('./commands/runs.js')));

  command('check-patch', 'extract, repair and validate any diff against a revision, without touching the working tree', 'llm-orchestrator check-patch --out fixed.diff reply.txt')
    .argument('<diff>', 'the diff or model reply to check, or - for standard input')
    .option('--base <rev>', 'revision to validate against', 'HEAD')
    .option('--out <file>', 'write the repaired diff here (default: standard output)')
    .option('--report <file>', 'write the JSON report here')
    .addOption(new Option('--format <format>', "the reply's edit format: a diff, whole files, or SEARCH/REPLACE blocks (converted to a diff first)").choices(['diff', 'whole', 'search-replace']).default('diff'))
    .action(lazy(() => import('./commands/check-patch.js')));

  command('verify', 'recompute the hash chain, artifact hashes, approvals and patches of a run; ❌ on any change', 'llm-orchestrator verify --run ID --head 3f2a…')
    .requiredOption('--run <id>', 'the run')
    .option('--head <sha256>', 'a chain head noted earlier (printed by verify): must still be a line of audit.log')
    .action(lazy(() => import('./commands/verify.js')));

  command('replay', 'send every recorded request again, byte for byte, and compare the replies', 'llm-orchestrator replay --run ID --task T001')
    .option(...QUIET)
    .requiredOption('--run <id>', 'the run')
    .option('--task <id>', "only this task's executor calls")
    .option('--base-url <url>', "the run's model server, if it moved (default: the one the run recorded; recorded in the audit log)")
    .option('--allow-model-change', 'use a model whose digest differs from the one the run recorded (recorded in the audit log)')
    .action(lazy(() => import('./commands/replay.js')));

  command('export', 'write the run as one .tar.gz that verify accepts wherever it is unpacked', 'llm-orchestrator export --run ID --out run.tar.gz')
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--out <file>', 'the archive to write (never overwritten)')
    .action(lazy(() => import('./commands/export.js')));

  command('report', 'write the run as one self-contained HTML page: spec, plan, tasks, side-by-side patches, approvals, audit log', 'llm-orchestrator report --run ID --out report.html')
    .requiredOption('--run <id>', 'the run')
    .option('--out <file>', 'write the report here (default: standard output; never inside the run)')
    .action(lazy(() => import('./commands/report.js')));

  command('doctor', 'check the model server, the models and (with --run) the run', 'llm-orchestrator doctor --run ID')
    .option('--run <id>', 'also check this run')
    .addOption(new Option('--provider <provider>', 'model server protocol, without --run').choices(['ollama', 'openai', 'embedded']).default('ollama'))
    .option('--base-url <url>', "model server URL (default: $OLLAMA_HOST, else http://127.0.0.1:11434); with --run: the run's server, if it moved")
    .option('--allow-remote', 'allow a model server that is not on this machine, without --run (a run keeps what init recorded)')
    .action(lazy(() => import('./commands/doctor.js')));
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { editPlan, planDraft, PlanEditError } from '../../core/edit-plan.js';
import { OrchestratorError } from '../../errors.js';
import { setResult } from '../print.js';
import { printPlan } from '../print-plan.js';
import { planJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/**
 * The terminal side of edit-plan: with --file the core reads the file; without it, the person's
 * editor is opened here on the latest revision, and what they saved is handed to the core.
 */
/** The options commander parsed (see registry.ts). */
interface Options { run: string; file?: string; by?: string }

export default async function editPlanCommand(options: Options, command: Command): Promise<void> {
  const env = workflowEnv(command);
  const runId = options.run;
  const result =
    options.file !== undefined ? await editPlan(env, runId, { file: options.file, by: options.by }) : await editInEditor(env, runId, options.by);
  setResult(planJson(runId, result));
  printPlan(runId, result);
}

async function editInEditor(env: ReturnType<typeof workflowEnv>, runId: string, by: string | undefined) {
  const editor = chosenEditor(process.env);
  if (editor === null) throw new OrchestratorError('no editor to open: set $VISUAL or $EDITOR, or write the plan in a file and pass --file PLAN.json');
  const draft = await planDraft(env, runId);
  // A folder of its own, readable by this user only: the plan may say things about private code.
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-plan-'));
  const file = path.join(dir, 'plan.json');
  writeFileSync(file, draft.text, { mode: 0o600 });
  let keepFile = true;
  try {
    const outcome = await runEditor(editor, file);
    if (outcome !== null) throw new OrchestratorError(`the editor (${editor}) ${outcome}: nothing recorded; what you typed is in ${file}: run \`edit-plan --run ${runId} --file ${file}\``);
    const text = readFileSync(file, 'utf8');
    try {
      const result = await editPlan(env, runId, { text, draftOf: draft.revision, by });
      keepFile = false;
      return result;
    } catch (error) {
      // The run keeps the text of a plan that did not validate; anything else leaves it here.
      if (error instanceof PlanEditError) keepFile = false;
      else if (error instanceof OrchestratorError) throw new OrchestratorError(`${error.message} (what you typed is in ${file})`, { exitCode: error.exitCode, cause: error });
      throw error;
    }
  } finally {
    if (!keepFile) rmSync(dir, { recursive: true, force: true });
  }
}

/** $VISUAL, else $EDITOR, as git and most tools choose; unset or blank counts as absent. */
function chosenEditor(environment: NodeJS.ProcessEnv): string | null {
  for (const name of ['VISUAL', 'EDITOR']) {
    const value = environment[name]?.trim();
    if (value) return value;
  }
  return null;
}

/**
 * Runs the editor on the file through the shell, as git does, so a value like `code --wait` or
 * `emacs -nw` works; the file name is passed as an argument, never spliced into the command.
 * Resolves null when it exited 0, else what went wrong.
 */
function runEditor(editor: string, file: string): Promise<string | null> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve) => {
    const child =
      process.platform === 'win32'
        ? spawn(`${editor} "${file}"`, { shell: true, stdio: 'inherit' })
        : spawn('/bin/sh', ['-c', `${editor} "$@"`, editor, file], { stdio: 'inherit' });
    child.on('error', (error) => resolve(`could not be started (${error.message})`));
    child.on('close', (code, signal) => resolve(code === 0 ? null : signal ? `was stopped by ${signal}` : `exited with code ${code}`));
  });
}

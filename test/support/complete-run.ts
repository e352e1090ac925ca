import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import type { WorkflowEnv } from '../../src/core/workflow-env.js';
import type { CliResult } from './cli.js';
import { git } from './git-fixture.js';
import { T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './workflow-fixture.js';

/** Fails the test with the command's output when a step that must work does not. */
export async function must(result: Promise<CliResult>, what: string): Promise<CliResult> {
  const done = await result;
  if (done.code !== 0) throw new Error(`${what} exited ${done.code}: ${done.stdout}${done.stderr}`);
  return done;
}

/**
 * A finished run made through the built CLI, with every kind of artifact: a plan and its
 * approval, task files, the allowlist rewritten by add-context, two approved tasks (T002 on top
 * of T001), and a rejected first attempt of T002 so numbered attempt folders exist too.
 */
export async function completeRun(ws: Workspace): Promise<string> {
  const run = await firstTaskApprovedRun(ws);
  ws.fake.enqueueReply({ content: T002_DIFF });
  await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002');
  await must(ws.cli(['reject-task', '--run', run, '--task', 'T002', '--reason', 'try again', '--by', 'Reviewer']), 'reject-task T002');
  ws.fake.enqueueReply({ content: T002_DIFF });
  await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 again');
  await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
  return run;
}

/** A completeRun that tests can go back to: `restore` resets the repository to the base commit and the run to its saved copy. */
export interface RestorableRun {
  run: string;
  base: string;
  restore(): Promise<void>;
  dispose(): void;
}

export async function restorableCompleteRun(ws: Workspace): Promise<RestorableRun> {
  const run = await completeRun(ws);
  const base = (await git(ws.root, ['rev-parse', 'HEAD'])).trim();
  const runDir = path.join(ws.root, 'runs', run);
  const saved = mkdtempSync(path.join(tmpdir(), 'llmo-saved-run-'));
  cpSync(runDir, saved, { recursive: true });
  return {
    run,
    base,
    async restore() {
      await git(ws.root, ['reset', '-q', '--hard', base]);
      rmSync(runDir, { recursive: true, force: true });
      cpSync(saved, runDir, { recursive: true });
    },
    dispose: () => rmSync(saved, { recursive: true, force: true }),
  };
}

/**
 * For a test file whose tests run in-process commands on one completeRun: the workspace is made
 * before its first test and removed after its last. Read `ws`, `run` and `env()` inside the tests.
 */
export function sharedCompleteRun(): { readonly ws: Workspace; readonly run: string; env(): WorkflowEnv } {
  let ws: Workspace | undefined;
  let run: string | undefined;
  before(async () => {
    ws = await workspace();
    run = await completeRun(ws);
  });
  after(() => ws?.close());
  const made = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the shared run is made before the first test: read it inside a test');
    return value;
  };
  return {
    get ws() {
      return made(ws);
    },
    get run() {
      return made(run);
    },
    env: () => modelFreeEnv(made(ws).root),
  };
}

/** init (with `initArgs`) → plan (twoTaskPlan) → approve-plan → add-context src/app.js, replies scripted. */
export async function planApprovedRun(ws: Workspace, initArgs: string[] = []): Promise<string> {
  const run = await ws.init(initArgs);
  ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
  await must(ws.cli(['plan', '--run', run]), 'plan');
  await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
  await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
  return run;
}

/** planApprovedRun, then T001 run (T001_REPLY) and approved. */
export async function firstTaskApprovedRun(ws: Workspace): Promise<string> {
  const run = await planApprovedRun(ws);
  ws.fake.enqueueReply({ content: T001_REPLY });
  await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
  await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
  return run;
}

/** A copy of the run in a new runs folder of its own (another path, same run id). */
export function copyRun(ws: Workspace, run: string): string {
  const runsDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-copy-')));
  cpSync(path.join(ws.root, 'runs', run), path.join(runsDir, run), { recursive: true });
  return runsDir;
}

/** Changes the byte at `offset` within the first occurrence of `needle` to `to`. */
export function changeByte(file: string, needle: string, offset: number, to: string): void {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(needle);
  if (at === -1) throw new Error(`${needle} not found in ${file}`);
  if (bytes[at + offset] === to.charCodeAt(0)) throw new Error(`byte ${offset} of ${needle} is already ${to}`);
  bytes[at + offset] = to.charCodeAt(0);
  writeFileSync(file, bytes);
}

export const lines = (text: string): string[] => text.split('\n').filter((line) => line.length > 0);

/** The environment of an in-process command on `root` that must call no model (verify, status). */
export function modelFreeEnv(root: string): WorkflowEnv {
  return {
    repoDir: root,
    runsDir: null,
    cwd: root,
    env: process.env,
    now: () => new Date(),
    createProvider: () => {
      throw new Error('this command calls no model');
    },
  };
}

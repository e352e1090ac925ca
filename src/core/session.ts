import path from 'node:path';
import { GitError } from '../errors.js';
import { findRepoRoot } from '../git/repository.js';
import type { AuditEntry, Manifest } from '../schema/run-files.js';
import { setAsideCrashLeftovers } from './crash-recovery.js';
import { acquireRunLock } from '../store/run-lock.js';
import { Run, RunStore } from '../store/run-store.js';
import { withMovedServerAdvice } from './moved-server.js';
import { NoSpaceError } from '../store/write-whole.js';
import { readRecordedManifest } from './recorded-files.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface RunSession {
  env: WorkflowEnv;
  repoRoot: string;
  run: Run;
  manifest: Manifest;
}

export async function openStore(env: WorkflowEnv): Promise<{ repoRoot: string; store: RunStore }> {
  const repoRoot = await findRepoRoot(path.resolve(env.cwd, env.repoDir));
  const runsDir = env.runsDir ? path.resolve(env.cwd, env.runsDir) : path.join(repoRoot, 'runs');
  return { repoRoot, store: new RunStore(runsDir, env.storeFs) };
}

/**
 * For the commands that only read a run (verify, replay, export): the run may have been copied or
 * unpacked outside any repository, so with --runs-dir no repository is needed; repoRoot is then
 * null (or the repository around the working directory, if there is one).
 */
export async function openStoreAnywhere(env: WorkflowEnv): Promise<{ repoRoot: string | null; store: RunStore }> {
  const dir = path.resolve(env.cwd, env.repoDir);
  let repoRoot: string | null = null;
  try {
    repoRoot = await findRepoRoot(dir);
  } catch (error) {
    if (!env.runsDir) throw new GitError(`${dir} is not inside a git repository: pass --runs-dir DIR (the folder that holds the run), or --repo`, { cause: error });
  }
  const runsDir = env.runsDir ? path.resolve(env.cwd, env.runsDir) : path.join(repoRoot!, 'runs');
  return { repoRoot, store: new RunStore(runsDir, env.storeFs) };
}

export async function openSession(env: WorkflowEnv, runId: string): Promise<RunSession> {
  const { repoRoot, store } = await openStore(env);
  const run = store.openRun(runId);
  return { env, repoRoot, run, manifest: readRecordedManifest(run) };
}

export interface CommandRecord {
  warnings: string[];
}

/**
 * Runs one command against a run and appends its audit line, whether it succeeded or failed,
 * naming every artifact it wrote with the artifact's sha256.
 */
export async function audited<T>(
  run: Run,
  env: WorkflowEnv,
  command: string,
  args: Record<string, unknown>,
  body: (record: CommandRecord) => Promise<T>,
): Promise<T> {
  const record: CommandRecord = { warnings: [] };
  // The flag that lets a changed model be used is part of what the person decided: recorded.
  // So is a moved server's URL, read before anything is locked or written (a bad one is a usage error).
  const allArgs = {
    ...args,
    ...(env.allowModelChange ? { allow_model_change: true } : {}),
    ...(env.baseUrl !== undefined && args['base_url'] === undefined ? { base_url: await movedBaseUrl(env.baseUrl) } : {}),
  };
  const entry = (outcome: 'ok' | 'error', error?: string): Omit<AuditEntry, 'prev'> => {
    const warnings = [...record.warnings, ...run.takeWarnings()];
    for (const warning of run.takeShownWarnings()) env.onWarning?.(warning);
    return {
      time: env.now().toISOString(),
      command,
      args: sortedArgs(allArgs),
      outcome,
      ...(error === undefined ? {} : { error }),
      ...(warnings.length > 0 ? { warnings } : {}),
      artifacts: run.takeWritten(),
    };
  };
  /**
   * Appends the command's audit line. When the device holding the run is full, whether a write of
   * the command or its audit line found it so, the command's writes are taken back (Run.rollback)
   * so the same command can run again once there is space; the failure is still recorded if the
   * space that freed makes room for one line.
   */
  let lineWritten = false;
  const close = (outcome: 'ok' | 'error', failure?: unknown): void => {
    lineWritten = true;
    const rollBack = (): void => {
      const kept = run.rollback();
      if (kept.length > 0) record.warnings.push(`the device was full and ${kept.join(', ')} could not be taken back`);
    };
    if (failure instanceof NoSpaceError) rollBack();
    try {
      run.appendAudit(entry(outcome, failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure)));
    } catch (error) {
      if (!(error instanceof NoSpaceError)) throw error;
      rollBack();
      try {
        run.appendAudit(entry('error', error.message));
      } catch {
        // Best effort: the device is still full; the person is told below.
      }
      throw error;
    }
  };
  // One command at a time per run; a refused command writes nothing, not even its audit line.
  // A process that ends before the command does (a second Ctrl-C, SIGTERM) still records it, with
  // what it wrote, so those files are accounted for like any failed command's.
  const lock = acquireRunLock(run.dir, command, env.now(), () => {
    if (lineWritten) return;
    lineWritten = true;
    try {
      run.appendAudit(entry('error', 'interrupted: the process ended before the command finished'));
    } catch {
      // Best effort: the process is ending either way.
    }
  });
  try {
    let result: T;
    try {
      if (lock.tookOver) {
        const { pid, command: was, since } = lock.tookOver;
        record.warnings.push(`took over the lock of ${was} (pid ${pid}, since ${since}), whose process is gone`);
        const setAside = setAsideCrashLeftovers(run, lock.tookOver);
        if (setAside) record.warnings.push(setAside);
      }
      if (lock.tookOver?.command === 'apply-task') {
        // Loaded only then: it asks git, which most commands never start.
        const { settleInterruptedApply } = await import('./apply-recovery.js');
        record.warnings.push(...(await settleInterruptedApply(run, env, lock.tookOver, command)));
      }
      if (lock.tookOver?.command === 'undo-task') {
        const { settleInterruptedUndo } = await import('./undo-recovery.js');
        record.warnings.push(...(await settleInterruptedUndo(run, env, lock.tookOver, command)));
      }
      result = await body(record);
    } catch (caught) {
      const error = withMovedServerAdvice(caught, command, allArgs);
      close('error', error);
      throw error;
    }
    close('ok');
    return result;
  } finally {
    lock.release();
  }
}

/** Loaded only when --base-url is given: the commands that never call a model start without it. */
async function movedBaseUrl(flag: string): Promise<string> {
  return (await import('../model/base-url.js')).resolveBaseUrl(flag, {});
}

function sortedArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(args)
      .filter((key) => args[key] !== undefined)
      .sort()
      .map((key) => [key, args[key]]),
  );
}

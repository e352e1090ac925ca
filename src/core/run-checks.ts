import path from 'node:path';
import { networkIsolationAvailable, runCheck, type CheckRun } from '../checks/run-check.js';
import { createWorkspace, linkInto } from '../checks/workspace.js';
import { OrchestratorError } from '../errors.js';
import { exportTree } from '../git/export-tree.js';
import type { CheckRecord } from '../schema/run-files.js';
import { sha256, type Run } from '../store/run-store.js';

export { attemptChecks, checkVerdict, checkViews, outputTail, type AttemptChecks, type CheckView } from './check-records.js';

export const DEFAULT_CHECK_TIMEOUT_S = 300;
/** A check's log keeps its last MiB: enough for the failure a build or test prints at its end. */
export const CHECK_OUTPUT_CAP = 1024 * 1024;
export const INTERRUPTED_EXIT = 130;

export interface ChecksInput {
  repoRoot: string;
  checks: readonly string[];
  links: readonly string[];
  /** base + approved patches + this patch (the validation's result_tree). */
  withPatch: string;
  /** base + approved patches (the validation's state_tree): where a failing check runs again. */
  withoutPatch: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The attempt's artifacts folder in the run. */
  artifactsDir: string;
}

/** Thrown when Ctrl-C stopped a check: nothing of the checks is recorded, the command exits 130. */
export class ChecksInterrupted extends OrchestratorError {
  constructor(message: string) {
    super(message, { exitCode: INTERRUPTED_EXIT });
  }
}

/**
 * Runs each check with `sh -c` in a copy of the repository at `withPatch`, written into a new
 * folder under the system's temporary folder (never inside the repository, never a worktree git
 * knows of), with `links` pointing back at the repository's own folders. A check that fails runs
 * once more on a copy at `withoutPatch`. The logs are written only once every check has finished,
 * so an interrupted run records none; the folders are removed whatever happens.
 */
export async function runChecks(run: Run, input: ChecksInput): Promise<CheckRecord[]> {
  // Cut off from the network where the platform allows; recorded either way.
  const isolate = await networkIsolationAvailable();
  const workspace = createWorkspace();
  try {
    const copies = new Map<string, string>();
    const copyAt = async (name: string, tree: string): Promise<string> => {
      const existing = copies.get(name);
      if (existing !== undefined) return existing;
      const dir = workspace.folder(name);
      await exportTree(input.repoRoot, tree, dir, path.join(workspace.top, `${name}.index`));
      linkInto(input.repoRoot, dir, input.links);
      copies.set(name, dir);
      return dir;
    };
    const results: Array<{ command: string; own: CheckRun; baseline: CheckRun | null }> = [];
    for (const command of input.checks) {
      const own = await once(command, await copyAt('with-patch', input.withPatch), input, isolate);
      const baseline = own.exitCode === 0 || own.interrupted ? null : await once(command, await copyAt('without-patch', input.withoutPatch), input, isolate);
      if (own.interrupted || baseline?.interrupted) {
        throw new ChecksInterrupted(`interrupted during the check \`${command}\`: nothing of the checks was recorded; run the task again to check a new patch`);
      }
      results.push({ command, own, baseline });
    }
    return results.map(({ command, own, baseline }, i) => {
      const n = i + 1;
      const record: CheckRecord = { command, ...written(run, `${input.artifactsDir}/check-${n}.log`, own, isolate) };
      if (baseline) record.baseline = written(run, `${input.artifactsDir}/check-${n}.baseline.log`, baseline, isolate);
      return record;
    });
  } finally {
    workspace.dispose();
  }
}

function once(command: string, cwd: string, input: ChecksInput, isolate: boolean): Promise<CheckRun> {
  return runCheck(command, { cwd, timeoutMs: input.timeoutMs, maxOutput: CHECK_OUTPUT_CAP, signal: input.signal, isolate });
}

function written(run: Run, log: string, result: CheckRun, isolated: boolean): Omit<CheckRecord, 'command' | 'baseline'> {
  run.writeText(log, result.output);
  return {
    exit_code: result.exitCode,
    timed_out: result.timedOut,
    duration_ms: result.durationMs,
    passed: result.exitCode === 0 && !result.timedOut,
    log,
    output_sha256: sha256(result.output),
    output_bytes: result.outputBytes,
    network: isolated ? 'none' : 'host',
  };
}

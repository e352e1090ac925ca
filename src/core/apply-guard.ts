import path from 'node:path';
import type { FileChange } from '../diff/types.js';
import { WorkflowError } from '../errors.js';
import { workingTreePathsRefusal } from '../git/disk-path-check.js';
import { hookFilesAmong, hookFolders } from '../git/hooks.js';
import type { Run } from '../store/run-store.js';
import { runsDirInRepository, runsDirRefusal } from './runs-dir-policy.js';

/**
 * The checks apply-task makes on the paths of an approved patch just before git writes them,
 * whatever run-task recorded: the approval may predate a rule, and the disk is not the index
 * the patch was validated in. undo-task makes the same checks on the reversed changes (`command`).
 * Throws the refusal; returns warnings for what was allowed.
 */
export async function guardApply(
  repoRoot: string,
  run: Run,
  taskId: string,
  changes: readonly FileChange[],
  options: { allowHookChange?: boolean },
  command: 'apply-task' | 'undo-task' = 'apply-task',
): Promise<string[]> {
  const [act, verb] = command === 'apply-task' ? ['applied', 'apply'] : ['undone', 'undo'];
  const paths = [...new Set(changes.flatMap((change) => [change.oldPath, change.newPath]).filter((item): item is string => item !== null))].sort();
  // A rename's source goes as a deletion does.
  const deleted = new Set(changes.filter((change) => change.oldPath !== null && change.oldPath !== change.newPath).map((change) => change.oldPath!));
  const runs = runsDirRefusal(paths, runsDirInRepository(repoRoot, path.dirname(run.dir)));
  if (runs !== null) throw new WorkflowError(`${taskId}'s patch is not ${act}: ${runs}; ${verb} the rest by hand, or start a new run with \`init\``);
  const disk = workingTreePathsRefusal(repoRoot, paths, deleted);
  if (disk !== null) throw new WorkflowError(`${taskId}'s patch is not ${act}: ${disk}; remove or replace that path in the working tree, then run ${command} again`);
  const hooks = hookFilesAmong(paths, await hookFolders(repoRoot));
  if (hooks.length === 0) return [];
  const what = `${hooks.join(', ')}, ${hooks.length === 1 ? 'a git hook' : 'git hooks'} that the next commit runs`;
  if (options.allowHookChange !== true) {
    throw new WorkflowError(`${taskId}'s patch changes ${what}: read the change with \`show --task ${taskId}\`, then ${verb} it with --allow-hook-change (recorded)`);
  }
  return [`${taskId}'s patch changes ${what}; ${act} because --allow-hook-change was given`];
}

/** The hook files a patch touching `paths` changes, for `show` to warn about. */
export async function hookChanges(repoRoot: string, paths: readonly string[]): Promise<string[]> {
  return hookFilesAmong(paths, await hookFolders(repoRoot));
}

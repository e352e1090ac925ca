import { rm } from 'node:fs/promises';
import path from 'node:path';
import { gitFailed, runGit } from './run-git.js';

/**
 * Writes the files of `tree` into `dir` (a new, empty folder outside the repository), through a
 * temporary index of its own at `indexFile`: the user's index and working tree are never read or
 * written, and no worktree is registered in their .git. Modes and symbolic links come out as git
 * holds them; hooks do not run for checkout-index.
 */
export async function exportTree(root: string, tree: string, dir: string, indexFile: string): Promise<void> {
  const env = { GIT_INDEX_FILE: indexFile };
  try {
    const read = await runGit(['read-tree', tree], { cwd: root, env });
    if (read.exitCode !== 0) throw gitFailed(`cannot read tree ${tree.slice(0, 12)} in ${root}`, read.stderr);
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    const out = await runGit(['checkout-index', '--all', '--force', `--prefix=${prefix}`], { cwd: root, env });
    if (out.exitCode !== 0) throw gitFailed(`cannot write tree ${tree.slice(0, 12)} into ${dir}`, out.stderr);
  } finally {
    await rm(indexFile, { force: true });
  }
}

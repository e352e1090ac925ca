import path from 'node:path';
import type { GitMemo } from '../../git/memo.js';
import { hasCommit } from '../../git/read-blobs.js';
import { findRepoRoot } from '../../git/repository.js';
import type { Manifest } from '../../schema/run-files.js';
import type { WorkflowEnv } from '../workflow-env.js';

/**
 * The repository whose objects the git checks need: the one named by --repo or the working
 * directory, else the one the run was made in (manifest.repository.root), whichever has the
 * run's base commit. A clone elsewhere works as well as the original; null when none has it.
 */
export async function findRunRepository(env: WorkflowEnv, manifest: Manifest, memo: GitMemo): Promise<string | null> {
  const candidates = [path.resolve(env.cwd, env.repoDir), manifest.repository.root];
  for (const candidate of candidates) {
    try {
      const root = await findRepoRoot(candidate);
      // Asked of the memo's reader, which the patch checks then read the run's trees through.
      if (manifest.repository.base_kind !== 'commit' || (await hasCommit(root, manifest.repository.base_commit, memo))) return root;
    } catch {
      // Not a repository: try the next.
    }
  }
  return null;
}

import path from 'node:path';
import { findRepoRoot, resolveRevision } from '../../git/repository.js';
import type { Manifest } from '../../schema/run-files.js';
import type { WorkflowEnv } from '../workflow-env.js';

/**
 * The repository whose objects the git checks need: the one named by --repo or the working
 * directory, else the one the run was made in (manifest.repository.root), whichever has the
 * run's base commit. A clone elsewhere works as well as the original; null when none has it.
 */
export async function findRunRepository(env: WorkflowEnv, manifest: Manifest): Promise<string | null> {
  const candidates = [path.resolve(env.cwd, env.repoDir), manifest.repository.root];
  for (const candidate of candidates) {
    try {
      // Asked at once: git finds the commit from any folder of the repository.
      const [root] = await Promise.all([
        findRepoRoot(candidate),
        manifest.repository.base_kind === 'commit' ? resolveRevision(candidate, manifest.repository.base_commit) : null,
      ]);
      return root;
    } catch {
      // Not a repository, or not one with the base commit: try the next.
    }
  }
  return null;
}

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
      const root = await findRepoRoot(candidate);
      if (manifest.repository.base_kind === 'commit') await resolveRevision(root, manifest.repository.base_commit);
      return root;
    } catch {
      // Not a repository, or not one with the base commit: try the next.
    }
  }
  return null;
}

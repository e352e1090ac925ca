import path from 'node:path';
import { isIgnored } from '../git/repository.js';
import type { RunStore } from '../store/run-store.js';

/**
 * A runs directory inside the repository that git does not ignore ends up in the next
 * `git add -A` unnoticed. Said once, at the first run, since both choices are fine when made on
 * purpose; the tool never edits .gitignore itself (that file is the person's).
 */
export async function runsDirAdvice(repoRoot: string, store: RunStore, runDir: string): Promise<string | null> {
  const rel = path.relative(repoRoot, store.runsDir);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  if (store.listRunDirs().length > 1) return null;
  if (await isIgnored(repoRoot, path.relative(repoRoot, runDir))) return null;
  const shown = `${rel.split(path.sep).join('/')}/`;
  return `git does not ignore ${shown}, so \`git add -A\` would commit the runs: add ${shown} to .gitignore to keep them out, or commit them on purpose (a committed run anchors its audit log)`;
}

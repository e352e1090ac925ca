/**
 * No patch may write into the run store. Runs are where decisions are kept: a model that could
 * create `runs/<id>/executions/T002/approval.json` through its patch would approve its own work.
 * Part of the patch policy: run-task refuses such a patch (the attempt is invalid), check-patch
 * reports it, and apply-task refuses it again whatever was recorded.
 */
import { realExistingPath as realExisting } from '../files/repository-files.js';
import path from 'node:path';
import type { RepairedPatch } from './repair-and-validate.js';

/**
 * The runs directory relative to the repository root ('/'-separated, '' for the root itself), or
 * null when it lies outside the repository. Symbolic links are resolved as far as the path exists,
 * so `--runs-dir` given through a link is still recognised.
 */
export function runsDirInRepository(repoRoot: string, runsDir: string): string | null {
  const relative = path.relative(realExisting(repoRoot), realExisting(runsDir));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return relative.split(path.sep).join('/');
}

/** Why touching `files` is refused because one lies inside the runs directory, or null. */
export function runsDirRefusal(files: readonly string[], runsDir: string | null): string | null {
  if (runsDir === null) return null;
  // Case-insensitive, like the `.git/` rule: on macOS `RUNS/x` is `runs/x`.
  const prefix = runsDir === '' ? '' : `${runsDir.toLowerCase()}/`;
  const inside = files.find((file) => file.toLowerCase().startsWith(prefix) || file.toLowerCase() === runsDir.toLowerCase());
  if (inside === undefined) return null;
  return `${inside} is inside the runs directory (${runsDir === '' ? 'the repository root' : `${runsDir}/`}), where the tool keeps its records: a patch never writes there`;
}

/** The repaired patch, refused like one that does not validate when it touches the runs directory. */
export function outsideRunsDir(repaired: RepairedPatch, repoRoot: string, runsDir: string): RepairedPatch {
  if (!repaired.outcome.ok) return repaired;
  const files = repaired.outcome.files.flatMap((file) => [file.oldPath, file.newPath]).filter((item): item is string => item !== null);
  const refusal = runsDirRefusal(files, runsDirInRepository(repoRoot, runsDir));
  return refusal === null ? repaired : { ...repaired, validation: null, error: refusal };
}

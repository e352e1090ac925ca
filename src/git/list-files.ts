import { GitError } from '../errors.js';
import { EMPTY_TREE } from './repository.js';
import { gitFailed, runGit } from './run-git.js';

/**
 * Every path of a commit's tree (files, links and submodules; folders only through what they
 * hold), sorted by the bytes of the path so the order is the same on every machine and locale.
 * The empty tree has none, and is not asked of git: in a SHA-256 repository its SHA-1 id means
 * nothing.
 */
export async function listFilesAt(root: string, commit: string): Promise<string[]> {
  if (commit === EMPTY_TREE) return [];
  if (commit.startsWith('-') || commit.includes('\0')) throw new GitError(`${JSON.stringify(commit)} is not a commit: the run's base must be a commit sha`);
  const result = await runGit(['ls-tree', '-r', '-z', '--full-tree', '--name-only', commit], { cwd: root });
  if (result.exitCode !== 0) throw gitFailed(`cannot list the files of ${commit.slice(0, 12)} in ${root}`, result.stderr);
  const paths: Buffer[] = [];
  let start = 0;
  for (let end = result.stdout.indexOf(0, start); end !== -1; end = result.stdout.indexOf(0, start)) {
    if (end > start) paths.push(result.stdout.subarray(start, end));
    start = end + 1;
  }
  // git already lists in tree order, which is byte order of the full path; sorted again here so
  // the order is this function's promise, not an accident of git's output.
  return paths.sort(Buffer.compare).map((bytes) => bytes.toString('utf8'));
}

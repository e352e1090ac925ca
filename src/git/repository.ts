/**
 * Questions about the user's repository that only read it.
 */
import { GitError } from '../errors.js';
import { worktreeTopWithoutGit } from './discover.js';
import { oneLine, runGit } from './run-git.js';

/** git's well-known empty tree: the base of a repository without any commit (SHA-1 repositories). */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export async function findRepoRoot(dir: string): Promise<string> {
  const found = worktreeTopWithoutGit(dir);
  if (found !== null) return found;
  const result = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir });
  const root = result.stdout.toString('utf8').trim();
  if (result.exitCode !== 0 || root === '') {
    throw new GitError(`${dir} is not inside a git repository: run \`git init\` or pass --repo`);
  }
  return root;
}

/** The commit HEAD points at, or null in a repository without commits. */
export async function headCommit(root: string): Promise<string | null> {
  const result = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: root });
  const sha = result.stdout.toString('utf8').trim();
  return result.exitCode === 0 && sha !== '' ? sha : null;
}

/** user.name from the user's git config (any level), or null when unset. */
export async function gitUserName(root: string): Promise<string | null> {
  const result = await runGit(['config', '--get', 'user.name'], { cwd: root });
  const name = result.stdout.toString('utf8').trim();
  return result.exitCode === 0 && name !== '' ? name : null;
}

/** The full commit sha `rev` names (a sha, branch, tag, HEAD~2, ...). */
export async function resolveRevision(root: string, rev: string): Promise<string> {
  // A revision starting with '-' would be read as an option, even after --end-of-options on old gits.
  if (rev === '' || rev.startsWith('-') || rev.includes('\0')) {
    throw new GitError(`${JSON.stringify(rev)} is not a revision: give a commit sha, branch or tag`);
  }
  const result = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd: root });
  const sha = result.stdout.toString('utf8').trim();
  if (result.exitCode !== 0 || sha === '') {
    const why = result.stderr.trim() === '' ? '' : ` (${oneLine(result.stderr)})`;
    throw new GitError(`unknown revision ${JSON.stringify(rev)} in ${root}${why}: give a commit sha, branch or tag that exists (\`git log --oneline\` lists commits)`);
  }
  return sha;
}

/** Whether git ignores `rel` (a path under `root`, existing or not); false when git cannot say. */
export async function isIgnored(root: string, rel: string): Promise<boolean> {
  const result = await runGit(['check-ignore', '--quiet', '--', rel], { cwd: root });
  return result.exitCode === 0;
}

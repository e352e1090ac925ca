/**
 * The only code that changes the user's working tree, index and history: `apply-task` and
 * `undo-task`. Everything else in src/git/ works in temporary indexes; these functions are called
 * only after a person asked for exactly this patch to be applied, or taken out again.
 */
import { GitError } from '../errors.js';
import { gitFailed, oneLine, runGit } from './run-git.js';
import { crashPointAt } from '../crash-point.js';

/** The user's whitespace settings (apply.whitespace=fix, ignoreWhitespace) must not change an approved patch. */
const APPLY = ['-c', 'apply.ignoreWhitespace=no', 'apply', '--whitespace=nowarn'];

export interface ApplyCheck {
  ok: boolean;
  /** git's reason as one line when !ok. */
  error: string | null;
}

/**
 * `git apply --check`: would the patch apply to the working tree (and, with `index`, to the index
 * too)? Nothing is written. `reverse` asks whether the patch is already applied.
 */
export async function checkApply(root: string, patch: string, options: { index?: boolean; reverse?: boolean } = {}): Promise<ApplyCheck> {
  const args = [...APPLY, '--check', ...(options.index ? ['--index'] : []), ...(options.reverse ? ['--reverse'] : []), '-'];
  const result = await runGit(args, { cwd: root, input: patch });
  return result.exitCode === 0 ? { ok: true, error: null } : { ok: false, error: oneLine(result.stderr) };
}

/**
 * Applies the patch to the working tree (and the index with `index`). git checks every hunk of
 * every file before it writes anything, so a refusal leaves the tree as it was.
 */
export async function applyPatch(root: string, patch: string, options: { index?: boolean; reverse?: boolean } = {}): Promise<void> {
  crashPoint();
  const result = await runGit([...APPLY, ...(options.index ? ['--index'] : []), ...(options.reverse ? ['--reverse'] : []), '-'], { cwd: root, input: patch });
  if (result.exitCode !== 0) throw gitFailed(`git apply failed in ${root}`, result.stderr);
}

/**
 * Paths among `paths` that differ from HEAD in the index or the working tree, or exist untracked:
 * applying on top of them would mix the patch with edits git cannot tell apart from it.
 */
export async function uncommittedPaths(root: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  // Literal pathspecs: a file named "src/*.ts" must not match every .ts file.
  const args = ['--literal-pathspecs', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...paths];
  const result = await runGit(args, { cwd: root });
  if (result.exitCode !== 0) throw gitFailed(`git status failed in ${root}`, result.stderr);
  // Each entry is "XY path\0"; with --no-renames no entry carries a second path.
  return [...new Set(result.stdout.toString('utf8').split('\0').filter((entry) => entry.length > 3).map((entry) => entry.slice(3)))].sort();
}

/** Paths staged in the index (differing from HEAD, or every path on a branch without commits). */
export async function stagedPaths(root: string): Promise<string[]> {
  const result = await runGit(['diff', '--cached', '--name-only', '--no-renames', '-z'], { cwd: root });
  if (result.exitCode !== 0) throw gitFailed(`git diff --cached failed in ${root}`, result.stderr);
  return result.stdout.toString('utf8').split('\0').filter((entry) => entry !== '').sort();
}

/**
 * Commits the index as it is, with the message as given (only surrounding whitespace cleaned: a
 * `#` line of a task title is text, not a comment). The caller has checked that nothing but the
 * patch is staged. No pathspecs: `git commit -- a a/b` after a patch replaced the file `a` by a
 * folder takes `a` for a nested repository and fails with the index half committed. The user's
 * hooks and signing configuration apply as to any of their commits. Returns the new commit's sha.
 */
export async function commitIndex(root: string, message: string): Promise<string> {
  const args = ['commit', '--quiet', '--cleanup=whitespace', '-F', '-'];
  crashPoint();
  const result = await runGit(args, { cwd: root, input: message });
  if (result.exitCode !== 0) throw new GitError(oneLine(result.stderr, oneLine(result.stdout.toString('utf8'))));
  const head = await runGit(['rev-parse', '--verify', 'HEAD^{commit}'], { cwd: root });
  return head.stdout.toString('utf8').trim();
}

export interface TaskCommit {
  sha: string;
  task: string;
  /** The patch the commit applied (Patch-sha256), or took out again (Reverts-patch-sha256). */
  patchSha256: string;
  /** `revert`: made by undo-task, it takes the patch out. */
  kind: 'apply' | 'revert';
}

/**
 * The commits `apply-task --commit` and `undo-task` made for run `runId`, newest first, found by
 * their trailers (Run, Task, and Patch-sha256 or Reverts-patch-sha256) among the commits reachable
 * from HEAD but not from `since` (the run's base commit; null to look through all of HEAD's history).
 */
export async function taskCommits(root: string, runId: string, since: string | null): Promise<TaskCommit[]> {
  const range = since === null ? ['HEAD'] : ['HEAD', `^${since}`];
  // --topo-order: a revert is always listed before the commit it reverts, whatever their dates.
  const args = ['log', '--topo-order', '--fixed-strings', `--grep=Run: ${runId}`, '--format=%x01%H%n%(trailers:only,unfold)', ...range, '--'];
  const result = await runGit(args, { cwd: root });
  // No commit yet: nothing was committed.
  if (result.exitCode !== 0) return [];
  const found: TaskCommit[] = [];
  for (const entry of result.stdout.toString('utf8').split('\x01').slice(1)) {
    const [sha, ...lines] = entry.split('\n');
    const trailers = new Map(lines.map((line) => /^([A-Za-z0-9-]+): (.*)$/.exec(line)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!.trim()] as const));
    const task = trailers.get('Task');
    if (trailers.get('Run') !== runId || task === undefined) continue;
    const applied = trailers.get('Patch-sha256');
    const reverted = trailers.get('Reverts-patch-sha256');
    if (applied !== undefined) found.push({ sha: sha!.trim(), task, patchSha256: applied, kind: 'apply' });
    else if (reverted !== undefined) found.push({ sha: sha!.trim(), task, patchSha256: reverted, kind: 'revert' });
  }
  return found;
}

/**
 * The commit that put this patch of the task in HEAD's history and that no later undo-task commit
 * took out again (the newest of the task's commits, if it applied exactly this patch), else undefined.
 */
export function standingCommit(commits: readonly TaskCommit[], taskId: string, patchSha256: string): TaskCommit | undefined {
  const newest = commits.find((found) => found.task === taskId);
  return newest?.kind === 'apply' && newest.patchSha256 === patchSha256 ? newest : undefined;
}

/** Crash tests: LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE=N kills the process just before the Nth git command here that changes the repository. */
const crashPoint = crashPointAt('LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE');

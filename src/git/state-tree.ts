/**
 * The "state" a task's patch is written against: the base commit (or the empty tree) with every
 * approved patch applied in order. It exists only as git tree objects built in a temporary index
 * (GIT_INDEX_FILE in a temp directory), so the user's working tree and real index are never
 * read or written; the only lasting effect is new objects in the object database.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APPLY_MALLOC_ENV } from './apply-env.js';
import { GitError } from '../errors.js';
import { checkPatchPath } from '../diff/paths.js';
import { DiffParseError, displayPath, parseDiff, parseDiffFiles, type FilePatch, type ParsedDiff } from '../diff/parse.js';
import { EMPTY_TREE } from './repository.js';
import { withGitMemo, type GitMemo } from './memo.js';
import { changedPaths, readBlobs, treeOf } from './read-blobs.js';
import { gitFailed, oneLine, runGit } from './run-git.js';
import { filesNeeded, repairReply } from '../diff/engine.js';
import { NotInProcess, treeWithChanges } from './tree-in-process.js';
import { compareWithExpected, findLostChanges, type ExpectedFile } from './post-image-checks.js';

export type { ExpectedFile };

export interface PatchValidation {
  ok: boolean;
  base: string;
  /** Tree of base + approved patches; null when it was not reached. */
  state_tree: string | null;
  /** Tree after the candidate patch; null unless git applied it. */
  result_tree: string | null;
  /** Paths the patch touches (both sides of a rename), without a/ b/ prefixes. */
  files: string[];
  /** One line for a person when !ok. */
  error: string | null;
}

type Env = Record<string, string>;

async function gitOk(root: string, args: string[], env: Env, what: string): Promise<string> {
  const result = await runGit(args, { cwd: root, env });
  if (result.exitCode !== 0) throw gitFailed(`${what} failed in ${root}`, result.stderr);
  return result.stdout.toString('utf8').trim();
}

/** `git apply` on the temporary index only. Whitespace config of the user must not loosen the check. */
function applyCached(root: string, env: Env, patch: string) {
  const args = ['-c', 'apply.ignoreWhitespace=no', 'apply', '--cached', '--whitespace=nowarn', '-'];
  // Its stdin is a file beside the index (the caller has the index to itself): git reads all of
  // it even while the engine runs (applyAhead), which a pipe would stall after its first 64 KiB.
  // Written at once: in pieces, each would wait for a turn of the event loop the engine holds.
  const input = join(dirname(env.GIT_INDEX_FILE!), 'patch');
  writeFileSync(input, patch);
  return runGit(args, { cwd: root, env: { ...env, ...APPLY_MALLOC_ENV }, inputFile: input });
}

/** The tree of the base commit (the empty tree for a repository without commits). */
function baseTree(root: string, base: string, memo: GitMemo): Promise<string> {
  if (base.startsWith('-')) return Promise.reject(new GitError(`${JSON.stringify(base)} is not a commit: the run's base must be a commit sha`));
  if (base === EMPTY_TREE) {
    // Asked of an index, not the object reader: git knows an empty index's tree in SHA-256 repositories too.
    return memo.once(['base-tree', root, base], () =>
      memo.withIndex(async (index) => {
        await gitOk(root, ['read-tree', '--empty'], index.env, `reading base ${base.slice(0, 12)}`);
        const tree = await gitOk(root, ['write-tree'], index.env, 'writing the state tree');
        index.holds = `${root}\0${tree}`;
        return tree;
      }),
    );
  }
  // Read from the commit: the index reads the tree only when a patch is applied onto it.
  return treeOf(root, base, memo).then((tree) => tree ?? Promise.reject(new GitError(`reading base ${base.slice(0, 12)} failed in ${root}: no such commit there`)));
}

/** What `git apply --cached` of a patch onto a tree gave: the new tree, or git's complaint. */
type Applied = { ok: true; tree: string } | { ok: false; stderr: string; writing: boolean };

/**
 * One patch applied onto one tree. The same (tree, patch) comes back for every attempt and
 * approval built on the same history, so with a memo git applies it once; and the index is
 * re-read only when it does not already hold that tree (a chain of patches applies one after
 * another without reading anything back).
 */
function applyOnto(root: string, tree: string, patch: string, memo: GitMemo, expected?: readonly ExpectedFile[]): Promise<Applied> {
  const question = ['apply', root, tree, patch];
  if (memo.inProcess && expected !== undefined) memo.offer(question, expected);
  return memo.once(question, async () => {
    if (memo.inProcess) return applyInProcess(root, tree, patch, memo, expected ?? (await offeredPostImages(question, memo)));
    return memo.withIndex(async (index): Promise<Applied> => {
      // Unknown until written: git writes nothing when a hunk fails, but that is not relied on.
      const held = index.holds;
      index.holds = null;
      if (held !== `${root}\0${tree}`) await gitOk(root, ['read-tree', tree], index.env, `reading tree ${tree.slice(0, 12)}`);
      const applied = await applyCached(root, index.env, patch);
      if (applied.exitCode !== 0) return { ok: false, stderr: applied.stderr, writing: false };
      const written = await runGit(['write-tree'], { cwd: root, env: index.env });
      if (written.exitCode !== 0) return { ok: false, stderr: written.stderr, writing: true };
      const after = written.stdout.toString('utf8').trim();
      index.holds = `${root}\0${after}`;
      return { ok: true, tree: after };
    });
  });
}

/**
 * Post-images of this patch on this tree that a caller holding them gave (verify re-runs the
 * engine on every reply and approved patch, and each validation brings the post-images it
 * computed), waited for one turn of the event loop: the state chain asks first, and would
 * otherwise run the engine a third time on each approved patch. None given: the engine runs here.
 * Whichever post-images make a tree, each validation still compares the tree with its own, and
 * git's one pass must write the same final tree.
 */
async function offeredPostImages(question: readonly string[], memo: GitMemo): Promise<readonly ExpectedFile[] | undefined> {
  await new Promise((resolve) => setImmediate(resolve));
  return memo.offered<readonly ExpectedFile[]>(question);
}

/**
 * The patch applied by the engine instead of git (verify: memo.inProcess): its post-images, given
 * by the caller or made by the engine from the patch as written, hashed into a tree in process.
 * A patch the engine would change, or a change git would make otherwise, is not applied: the memo
 * notes it (fellBack), and its caller does the work again with git.
 */
async function applyInProcess(root: string, tree: string, patch: string, memo: GitMemo, expected?: readonly ExpectedFile[]): Promise<Applied> {
  const fallBack = (): Applied => {
    memo.fellBack = true;
    return { ok: false, stderr: 'the patch could not be applied in process', writing: false };
  };
  let post = expected;
  if (post === undefined) {
    const needed = filesNeeded(patch, { repoName: null }).filter((file) => checkPatchPath(file) === null);
    const blobs = await readBlobs(root, tree, needed, memo);
    const outcome = repairReply(patch, { get: (file) => blobs.get(file) }, { repoName: null });
    if (!outcome.ok || outcome.fixes.length > 0) return fallBack();
    post = outcome.expected;
  }
  try {
    return { ok: true, tree: await treeWithChanges(root, tree, new Map(post.map((file) => [file.path, file.content])), memo) };
  } catch (error) {
    if (error instanceof NotInProcess) return fallBack();
    throw error;
  }
}

/**
 * Names of base + each prefix of `patches` (element i names the first i patches): each the memo's
 * name for the state before and the patch's name (memo.statesAlong), so verify, naming prefixes of
 * one history again for every attempt and approval, never passes over a patch's bytes again.
 */
function stateKeys(root: string, base: string, patches: readonly string[], memo: GitMemo): string[] {
  return memo.statesAlong(memo.stateAfter(`base\0${root}`, base), patches);
}

/** The name of base + `patches` in `memo`: what a question asked on that state is keyed by, instead of every patch's text. */
export function historyName(memo: GitMemo, root: string, base: string, patches: readonly string[]): string {
  return stateKeys(root, base, patches, memo).at(-1)!;
}

/**
 * Tells the memo that base + `patches` is `tree`, so building that state (or one that extends it)
 * applies nothing up to there. The caller vouches for the tree: run-task and approve-task take it
 * from a validation record that audit.log records (src/core/approved-state.ts); verify never seeds.
 */
export function seedStateTree(memo: GitMemo, root: string, base: string, patches: readonly string[], tree: string): void {
  void memo.once<State>(['state', historyName(memo, root, base, patches)], () => Promise.resolve({ ok: true, tree }));
}

/** A state as the memo keeps it: its tree, or the patch of the history that did not apply (index from 0) and git's answer. */
type State = { ok: true; tree: string } | { ok: false; at: number; applied: Extract<Applied, { ok: false }> };

async function stateTree(root: string, base: string, patches: readonly string[], memo: GitMemo): Promise<string> {
  const keys = stateKeys(root, base, patches, memo);
  // The longest known prefix of the history (even one still being built), else the base; each
  // state after it is asked of the memo at once, so callers that share a history share its work
  // instead of each walking it patch by patch.
  let from = patches.length;
  while (from > 0 && !memo.has(['state', keys[from]!])) from--;
  let state: Promise<State> =
    from === 0 ? baseTree(root, base, memo).then((tree) => ({ ok: true, tree })) : memo.once<State>(['state', keys[from]!], () => Promise.reject(new GitError('unreachable')));
  for (let i = from; i < patches.length; i++) {
    const before = state;
    const patch = patches[i]!;
    state = memo.once<State>(['state', keys[i + 1]!], async () => {
      const known = await before;
      if (!known.ok) return known;
      const applied = await applyOnto(root, known.tree, patch, memo);
      return applied.ok ? { ok: true, tree: applied.tree } : { ok: false, at: i, applied };
    });
  }
  const result = await state;
  if (result.ok) return result.tree;
  const { at, applied } = result;
  if (applied.writing) throw gitFailed(`writing the state tree failed in ${root}`, applied.stderr);
  throw new GitError(
    `approved patch ${at + 1} of ${patches.length} no longer applies on top of base ${base.slice(0, 12)} and the patches before it: ${oneLine(applied.stderr)}; the run's approved history is inconsistent, start a new run from the current commit`,
  );
}

/**
 * Whether every object of `tree` that the base commit does not hold is in the repository: the
 * trees on the way to every changed path, and the changed files' blobs. A state tree is reachable
 * from no ref, so `git gc` may have pruned it (or part of it) since it was written. Read through a
 * reader of its own: a missing object read through a command's memo would stay missing there
 * after the state is rebuilt.
 */
export async function treeIsComplete(root: string, base: string, tree: string): Promise<boolean> {
  return withGitMemo(undefined, async (memo) => {
    try {
      if ((await treeOf(root, tree, memo)) !== tree) return false;
      const changed = await changedPaths(root, await baseTree(root, base, memo), tree, memo);
      const blobs = [...changed.values()].filter((oid) => !/^0+$/.test(oid));
      const found = await Promise.all(blobs.map((oid) => memo.reader(root).read(oid)));
      return found.every((object) => object !== null && object.type === 'blob');
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  });
}

/**
 * The tree git writes when it applies `patches` to the base in one `git apply --cached` (their
 * texts one after the other: git applies a later patch of a file to the result of the earlier
 * ones), or null when git refuses them so. Three git processes however many patches: verify's
 * check that git agrees with the states it made in process.
 */
export function applyInOnePass(root: string, base: string, patches: readonly string[], memo: GitMemo): Promise<string | null> {
  if (base.startsWith('-')) return Promise.resolve(null);
  const text = patches.map((patch) => (patch.endsWith('\n') ? patch : `${patch}\n`)).join('');
  return memo.withIndex(async (index) => {
    index.holds = null;
    const read = base === EMPTY_TREE ? ['read-tree', '--empty'] : ['read-tree', `${base}^{tree}`];
    await gitOk(root, read, index.env, `reading base ${base.slice(0, 12)}`);
    const applied = await applyCached(root, index.env, text);
    if (applied.exitCode !== 0) return null;
    return gitOk(root, ['write-tree'], index.env, 'writing the state tree');
  });
}

/**
 * Starts git applying `patch` onto base + approved patches in the temporary index now, without
 * waiting for it: validatePatch of the same text in the same memo then takes git's answer (the
 * same question, asked once) instead of starting git only after the caller's own work. A caller
 * that hands it a text the validation never sees has only made git work in vain.
 */
export function applyAhead(root: string, base: string, approvedPatches: readonly string[], patch: string, memo: GitMemo): void {
  if (memo.inProcess || patch.trim() === '') return;
  // Failures are the validation's to report (it asks the same question); none is lost unhandled here.
  stateTree(root, base, approvedPatches, memo)
    .then((state) => applyOnto(root, state, patch, memo))
    .catch(() => {});
}

/** Tree sha of base + approved patches, applied in order. */
export function buildStateTree(root: string, base: string, patches: string[], memo?: GitMemo): Promise<string> {
  return withGitMemo(memo, (m) => stateTree(root, base, patches, m));
}

/**
 * Would `patch` apply cleanly on base + approved patches, and what tree would it give? Problems
 * with the candidate come back as ok:false; an approved patch that no longer applies throws,
 * because no new model reply can fix that.
 */
export async function validatePatch(
  root: string,
  base: string,
  approvedPatches: string[],
  patch: string,
  expected?: readonly ExpectedFile[],
  memo?: GitMemo,
): Promise<PatchValidation> {
  const report: PatchValidation = { ok: false, base, state_tree: null, result_tree: null, files: [], error: null };
  const refuse = (error: string): PatchValidation => ({ ...report, error });
  if (patch.trim() === '') return refuse('the patch is empty: it touches no file');
  // With post-images the patch's lines are never read again: only its files are parsed, without
  // a string per line of the patch.
  let unverified: ParsedDiff | null = null;
  let files: FilePatch[];
  try {
    if (expected) files = parseDiffFiles(patch);
    else ({ files } = unverified = parseDiff(patch));
  } catch (error) {
    if (error instanceof DiffParseError) return refuse(`the patch touches no file it can name: ${error.message}`);
    throw error;
  }
  report.files = [...new Set(files.flatMap((f) => (f.kind === 'rename' ? [f.oldPath, f.newPath] : [displayPath(f)])))].filter(
    (p): p is string => p !== null && p !== '',
  );
  const precheck = precheckFiles(files, report.files);
  if (precheck) return refuse(precheck);

  return withGitMemo(memo, async (m) => {
    const state = await stateTree(root, base, approvedPatches, m);
    report.state_tree = state;
    const onto = approvedPatches.length === 0 ? `base ${base.slice(0, 12)}` : `base ${base.slice(0, 12)} plus ${approvedPatches.length} approved patch${approvedPatches.length === 1 ? '' : 'es'}`;
    // One pass: `git apply` changes nothing when any hunk fails, and the tree it gives is kept apart.
    const applied = await applyOnto(root, state, patch, m, expected);
    if (!applied.ok && applied.writing) throw gitFailed(`writing the result tree failed in ${root}`, applied.stderr);
    if (!applied.ok) return refuse(`the patch does not apply to ${onto}: ${oneLine(applied.stderr)}`);
    const after = applied.tree;
    if (after === state) return refuse(`git accepted the patch but it changes nothing on ${onto}: the diff has no effective change`);
    report.result_tree = after;
    const problem = unverified === null ? await compareWithExpected(root, state, after, expected!, m) : await findLostChanges(root, after, unverified, m);
    return problem ? refuse(problem) : { ...report, ok: true };
  });
}

function precheckFiles(files: readonly FilePatch[], paths: string[]): string | null {
  if (paths.length === 0) return 'the patch touches no file';
  for (const path of paths) {
    const reason = checkPatchPath(path);
    if (reason) return `${JSON.stringify(path)} ${reason}`;
  }
  const unprefixed = files.find((f) => !f.prefixed);
  if (unprefixed) {
    const name = displayPath(unprefixed);
    return `the diff for ${name} lacks the a/ and b/ path prefixes, so git would patch a different path: write '--- a/${name}' and '+++ b/${name}'`;
  }
  return null;
}

import path from 'node:path';
import { isFile, pathExists, readWorkingFile, realPath } from '../files/repository-files.js';
import { OrchestratorError, UnsafePathError, UsageError, WorkflowError } from '../errors.js';
import { withGitMemo } from '../git/memo.js';
import { Allowlist, overLimit, packLimits } from '../schema/run-files.js';
import { loadRunPack } from './run-pack.js';
import { sha256 } from '../store/run-store.js';
import { approvedContext, loadApprovedPatches } from './approved-state.js';
import { visiblePaths } from './context-paths.js';
import { decider } from './identity.js';
import { secretReason } from './secret-files.js';
import { ALLOWLIST } from './layout.js';
import { readRecordedJson } from './recorded-files.js';
import { loadSnapshot, type RunSnapshot, type TaskFacts } from './run-snapshot.js';
import { stateFiles, taskFileStates } from './task-context.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';
import { unsafePathCharacter } from '../visible-text.js';

export interface AddContextOptions {
  /** `--file`, any number of times: paths as the person gave them. */
  files?: string[];
  /** `--task TNNN`: the task's declared files that exist at base + approved patches. */
  task?: string;
  allowSecret?: boolean;
}

export interface AddContextResult {
  added: Array<{ path: string; sha256: string }>;
  /** Already in the allowlist: nothing to do. */
  already: string[];
  /** Declared files of --task left out, each with why (not in the state, or taken out by a person). */
  skipped: Array<{ path: string; reason: 'absent' | 'excluded' }>;
  /** The new allowlist's sha256, or null when nothing changed (no new version written). */
  allowlist_sha256: string | null;
  warnings: string[];
}

/**
 * Adds repository files to what the executor may see, all or none: one refused file (a secret
 * without --allow-secret, over the size limit, not in the state) refuses the whole command, so one
 * command is one allowlist version and one audit line. Each file is recorded as it is at base +
 * approved patches, which is what the executor will be shown, not as it is in the working tree.
 * `--file` puts back a file remove-context took out; `--task` leaves such a file out.
 */
export async function addContext(env: WorkflowEnv, runId: string, options: AddContextOptions): Promise<AddContextResult> {
  const given = options.files ?? [];
  if (given.length === 0 && options.task === undefined) throw new UsageError('add-context needs --file PATH (any number of times) or --task TNNN');
  const session = await openSession(env, runId);
  const args = {
    run: runId,
    file: given.length > 0 ? given : undefined,
    task: options.task,
    allow_secret: options.allowSecret === true ? true : undefined,
  };
  return audited(session.run, env, 'add-context', args, async (record) => {
    const named = given.map((file) => repositoryPath(session.repoRoot, path.resolve(env.cwd, file), file));
    const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
    const snapshot = loadSnapshot(session.run);
    const approved = loadApprovedPatches(session.run, snapshot);
    const excluded = new Set((allowlist.excluded ?? []).map((entry) => entry.path));
    const listed = new Set(allowlist.files.map((entry) => entry.path));

    const skipped: AddContextResult['skipped'] = [];
    const wanted = [...named];
    // Declared files an approved patch already shows the executor: nothing to add for --task.
    const shown: string[] = [];
    return withGitMemo(undefined, async (memo): Promise<AddContextResult> => {
      if (options.task !== undefined) {
        for (const view of await taskFileStates(session, knownTask(snapshot, options.task), approved, memo)) {
          if (view.state === 'excluded' && !named.includes(view.path)) skipped.push({ path: view.path, reason: 'excluded' });
          else if (view.state === 'absent') skipped.push({ path: view.path, reason: 'absent' });
          else if (view.state === 'visible' && !listed.has(view.path)) shown.push(view.path);
          else wanted.push(view.path);
        }
      }
      const unique = [...new Set(wanted)];
      const already = [...new Set([...unique.filter((file) => listed.has(file)), ...shown.filter((file) => !unique.includes(file))])].sort();
      const fresh = unique.filter((file) => !listed.has(file));
      const contents = await stateFiles(session, approved, fresh, memo);
      const { context_bytes } = packLimits(loadRunPack(session.run).manifest);
      const added: AddContextResult['added'] = [];
      for (const file of fresh) {
        const content = contents.get(file) ?? null;
        if (content === null) {
          throw new OrchestratorError(`${file} is not in the run's base commit or approved patches as a regular file: commit it first (the executor sees files as of the base commit); nothing was added`);
        }
        if (content.length > context_bytes) throw new OrchestratorError(`${overLimit(file, content.length, 'context_bytes', context_bytes)}; nothing was added`);
        const secret = secretReason(file, content);
        if (secret !== null) {
          if (options.allowSecret !== true) {
            throw new UnsafePathError(`${file} looks like a secret (${secret}): it would be sent to the model and kept in the run; pass --allow-secret if it is not (nothing was added)`);
          }
          record.warnings.push(`${file} looks like a secret (${secret}); added because --allow-secret was given`);
        }
        const working = workingDigest(session.repoRoot, file);
        const digest = sha256(content);
        if (working !== null && working !== digest) record.warnings.push(`${file} has uncommitted changes; the executor sees the committed version`);
        added.push({ path: file, sha256: digest });
      }
      // Put back: a file named with --file that a person had taken out.
      const restored = named.filter((file) => excluded.has(file));
      const result: AddContextResult = { added, already, skipped, allowlist_sha256: null, warnings: record.warnings };
      if (added.length === 0 && restored.length === 0) return result;
      const by = await decider(session.repoRoot, undefined);
      const at = env.now().toISOString();
      const files = [...allowlist.files, ...added.map((entry) => ({ ...entry, added_at: at, added_by: by }))].sort((a, b) => a.path.localeCompare(b.path));
      const stillExcluded = (allowlist.excluded ?? []).filter((entry) => !restored.includes(entry.path));
      result.allowlist_sha256 = session.run.replaceJson(ALLOWLIST, withExcluded({ ...allowlist, files }, stillExcluded)).sha256;
      return result;
    });
  });
}

export interface RemoveContextResult {
  removed: string[];
  allowlist_sha256: string;
}

/**
 * Takes files out of what the executor sees, all or none, as one new allowlist version. Each is
 * recorded as excluded, which also hides a file an approved patch touched (otherwise always shown)
 * and keeps `add-context --task` and `status` from putting it back; `add-context --file` does.
 */
export async function removeContext(env: WorkflowEnv, runId: string, given: string[]): Promise<RemoveContextResult> {
  if (given.length === 0) throw new UsageError('remove-context needs --file PATH (any number of times)');
  const session = await openSession(env, runId);
  return audited(session.run, env, 'remove-context', { run: runId, file: given }, async () => {
    const paths = [...new Set(given.map((file) => namedPath(session.repoRoot, env.cwd, file)))];
    const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
    const approved = loadApprovedPatches(session.run, loadSnapshot(session.run));
    const visible = new Set(visiblePaths(allowlist, approved));
    for (const file of paths) {
      if (!visible.has(file)) {
        const why = (allowlist.excluded ?? []).some((entry) => entry.path === file) ? 'was already taken out' : 'is not in the context';
        throw new OrchestratorError(`${file} ${why} of run ${runId}, so nothing was removed: \`llm-orchestrator list-context --run ${runId}\` lists what the executor sees`);
      }
    }
    const by = await decider(session.repoRoot, undefined);
    const at = env.now().toISOString();
    const files = allowlist.files.filter((entry) => !paths.includes(entry.path));
    const excluded = [...(allowlist.excluded ?? []), ...paths.map((file) => ({ path: file, removed_at: at, removed_by: by }))];
    const written = session.run.replaceJson(ALLOWLIST, withExcluded({ ...allowlist, files }, excluded));
    return { removed: paths, allowlist_sha256: written.sha256 };
  });
}

/** The allowlist with its exclusions sorted, and without the field while there are none. */
function withExcluded(allowlist: Allowlist, excluded: NonNullable<Allowlist['excluded']>): Allowlist {
  const { excluded: _old, ...rest } = allowlist;
  return excluded.length === 0 ? rest : { ...rest, excluded: [...excluded].sort((a, b) => a.path.localeCompare(b.path)) };
}

function knownTask(snapshot: RunSnapshot, taskId: string): TaskFacts {
  if (!snapshot.current) throw new WorkflowError(`run ${snapshot.runId} has no plan yet, so no task ${taskId}: run \`plan\` first`);
  const task = snapshot.tasks.find((item) => item.task.id === taskId);
  if (!task) {
    const known = snapshot.tasks.map((item) => item.task.id).join(', ');
    throw new WorkflowError(`task ${taskId} is not in plan revision ${snapshot.current.revision} (tasks: ${known}): pass one of those to --task`);
  }
  return task;
}

/** The working tree's copy's sha256, or null when there is none (deleted since the base commit). */
function workingDigest(repoRoot: string, file: string): string | null {
  const bytes = readWorkingFile(repoRoot, file);
  return bytes === null ? null : sha256(bytes);
}

/**
 * A path to take out of the context: it may no longer exist in the working tree, so it is read as
 * written (relative to the working directory) when it does not, and must still be inside the
 * repository and outside .git/.
 */
function namedPath(repoRoot: string, cwd: string, given: string): string {
  const absolute = path.resolve(cwd, given);
  if (pathExists(absolute)) return repositoryPath(repoRoot, absolute, given);
  const relative = path.relative(realPath(repoRoot) ?? repoRoot, path.resolve(realPath(cwd) ?? cwd, given));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UnsafePathError(`${given} is outside the repository ${repoRoot}: only repository files can be context`);
  }
  const parts = relative.split(path.sep);
  if (parts.some((part) => part.toLowerCase() === '.git')) throw new UnsafePathError(`${given} is inside .git/: git's own files are never context`);
  return safeName(given, parts.join('/'));
}

/** A person's path, checked: inside the repository (symlinks resolved), not in .git, a file. */
export function repositoryPath(repoRoot: string, absolute: string, asGiven: string): string {
  const real = realPath(absolute);
  if (real === null) throw new OrchestratorError(`${asGiven} does not exist: pass a file of the repository`);
  const root = realPath(repoRoot) ?? repoRoot;
  const relative = path.relative(root, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UnsafePathError(`${asGiven} is outside the repository ${root}: only repository files can be context`);
  }
  const parts = relative.split(path.sep);
  if (parts.includes('.git')) throw new UnsafePathError(`${asGiven} is inside .git/: git's own files are never context`);
  if (!isFile(real)) throw new OrchestratorError(`${asGiven} is not a file: add files one at a time`);
  return safeName(asGiven, parts.join('/'));
}

/**
 * The repository path, unless its name holds a character a terminal or git acts on (an escape
 * sequence, a newline, a bidi override): such a name would be recorded in the run and printed by
 * every listing, and a person could not check it by reading it.
 */
function safeName(asGiven: string, relative: string): string {
  const found = unsafePathCharacter(relative);
  if (found === null) return relative;
  throw new UnsafePathError(`${asGiven}: the file's name holds a control character (${found}) that a terminal or git would act on, so it is refused: rename the file with \`git mv\` and commit it`);
}

export interface ContextListing {
  allowlisted: Array<{ path: string; sha256: string; added_at: string; added_by: string }>;
  /** Files approved patches touched, shown to the executor unless taken out (then in `excluded`) or withheld. */
  from_approved_patches: Array<{ path: string; task: string }>;
  /**
   * Files approved patches touched that look like secrets: never shown to the executor until a
   * person adds them with --allow-secret. Listed apart so nobody takes them for context the model sees.
   */
  withheld: Array<{ path: string; task: string; reason: string }>;
  /** Taken out with remove-context: never shown, even when an approved patch touched them. */
  excluded: Array<{ path: string; removed_at: string; removed_by: string }>;
}

export async function listContext(env: WorkflowEnv, runId: string): Promise<ContextListing> {
  const session = await openSession(env, runId);
  return audited(session.run, env, 'list-context', { run: runId }, async () => {
    const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
    const approved = loadApprovedPatches(session.run, loadSnapshot(session.run));
    const excluded = allowlist.excluded ?? [];
    const hidden = new Set(excluded.map((entry) => entry.path));
    // The same judgement run-task makes when it builds the prompt, so the listing cannot disagree with it.
    const { withheld } = await withGitMemo(undefined, (memo) => approvedContext(session, approved, memo));
    const why = new Map(withheld.map((entry) => [entry.path, entry.reason]));
    const touched = approved.flatMap((item) => item.touched.filter((file) => !hidden.has(file)).map((file) => ({ path: file, task: item.task })));
    return {
      allowlisted: allowlist.files,
      from_approved_patches: touched.filter((entry) => !why.has(entry.path)),
      withheld: touched.filter((entry) => why.has(entry.path)).map((entry) => ({ ...entry, reason: why.get(entry.path)! })),
      excluded,
    };
  });
}

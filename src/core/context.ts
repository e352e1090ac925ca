import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError, UnsafePathError } from '../errors.js';
import { readFileAt } from '../git/state-tree.js';
import { Allowlist, overLimit, packLimits } from '../schema/run-files.js';
import { loadRunPack } from './run-pack.js';
import { sha256 } from '../store/run-store.js';
import { approvedContext, loadApprovedPatches } from './approved-state.js';
import { decider } from './identity.js';
import { secretReason } from './secret-files.js';
import { ALLOWLIST } from './layout.js';
import { readRecordedJson } from './recorded-files.js';
import { loadSnapshot } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface AddContextResult {
  path: string;
  sha256: string;
  added: boolean;
}

/**
 * Adds a repository file to what the executor may see. The file is recorded as it is at base +
 * approved patches, which is what the executor will be shown, not as it is in the working tree.
 */
export async function addContext(
  env: WorkflowEnv,
  runId: string,
  file: string,
  options: { allowSecret?: boolean } = {},
): Promise<AddContextResult & { warnings: string[] }> {
  const session = await openSession(env, runId);
  const args = { run: runId, file, allow_secret: options.allowSecret === true ? true : undefined };
  return audited(session.run, env, 'add-context', args, async (record) => {
    const relative = repositoryPath(session.repoRoot, path.resolve(env.cwd, file), file);
    const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
    const existing = allowlist.files.find((entry) => entry.path === relative);
    if (existing) return { path: relative, sha256: existing.sha256, added: false, warnings: record.warnings };

    const snapshot = loadSnapshot(session.run);
    const { tree } = await approvedContext(session, loadApprovedPatches(session.run, snapshot));
    const content = await readFileAt(session.repoRoot, tree, relative);
    if (content === null) {
      throw new OrchestratorError(`${relative} is not in the run's base commit or approved patches: commit it first (the executor sees files as of the base commit)`);
    }
    const { context_bytes } = packLimits(loadRunPack(session.run).manifest);
    if (content.length > context_bytes) throw new OrchestratorError(overLimit(relative, content.length, 'context_bytes', context_bytes));
    const secret = secretReason(relative, content);
    if (secret !== null) {
      if (options.allowSecret !== true) {
        throw new UnsafePathError(`${relative} looks like a secret (${secret}): it would be sent to the model and kept in the run; pass --allow-secret if it is not`);
      }
      record.warnings.push(`${relative} looks like a secret (${secret}); added because --allow-secret was given`);
    }
    const working = sha256(readFileSync(path.join(session.repoRoot, relative)));
    const digest = sha256(content);
    if (working !== digest) record.warnings.push(`${relative} has uncommitted changes; the executor sees the committed version`);
    const entry = { path: relative, sha256: digest, added_at: env.now().toISOString(), added_by: await decider(session.repoRoot, undefined) };
    const files = [...allowlist.files, entry].sort((a, b) => a.path.localeCompare(b.path));
    session.run.replaceJson(ALLOWLIST, { ...allowlist, files });
    return { path: relative, sha256: digest, added: true, warnings: record.warnings };
  });
}

/** A person's path, checked: inside the repository (symlinks resolved), not in .git, a file. */
export function repositoryPath(repoRoot: string, absolute: string, asGiven: string): string {
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new OrchestratorError(`${asGiven} does not exist: pass a file of the repository`);
  }
  const root = realpathSync(repoRoot);
  const relative = path.relative(root, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UnsafePathError(`${asGiven} is outside the repository ${root}: only repository files can be context`);
  }
  const parts = relative.split(path.sep);
  if (parts.includes('.git')) throw new UnsafePathError(`${asGiven} is inside .git/: git's own files are never context`);
  if (!statSync(real).isFile()) throw new OrchestratorError(`${asGiven} is not a file: add files one at a time`);
  return parts.join('/');
}

export interface ContextListing {
  allowlisted: Array<{ path: string; sha256: string; added_at: string; added_by: string }>;
  from_approved_patches: Array<{ path: string; task: string }>;
}

export async function listContext(env: WorkflowEnv, runId: string): Promise<ContextListing> {
  const session = await openSession(env, runId);
  return audited(session.run, env, 'list-context', { run: runId }, async () => {
    const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
    const approved = loadApprovedPatches(session.run, loadSnapshot(session.run));
    return {
      allowlisted: allowlist.files,
      from_approved_patches: approved.flatMap((item) => item.touched.map((file) => ({ path: file, task: item.task }))),
    };
  });
}

import path from 'node:path';
import { findRepoRoot } from '../git/repository.js';
import { Manifest, type AuditEntry } from '../schema/run-files.js';
import { Run, RunStore } from '../store/run-store.js';
import { MANIFEST } from './layout.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface RunSession {
  env: WorkflowEnv;
  repoRoot: string;
  run: Run;
  manifest: Manifest;
}

export async function openStore(env: WorkflowEnv): Promise<{ repoRoot: string; store: RunStore }> {
  const repoRoot = await findRepoRoot(path.resolve(env.cwd, env.repoDir));
  const runsDir = env.runsDir ? path.resolve(env.cwd, env.runsDir) : path.join(repoRoot, 'runs');
  return { repoRoot, store: new RunStore(runsDir) };
}

export async function openSession(env: WorkflowEnv, runId: string): Promise<RunSession> {
  const { repoRoot, store } = await openStore(env);
  const run = store.openRun(runId);
  const manifest = run.readJson(MANIFEST, Manifest);
  return { env, repoRoot, run, manifest };
}

export interface CommandRecord {
  warnings: string[];
}

/**
 * Runs one command against a run and appends its audit line, whether it succeeded or failed,
 * naming every artifact it wrote with the artifact's sha256.
 */
export async function audited<T>(
  run: Run,
  env: WorkflowEnv,
  command: string,
  args: Record<string, unknown>,
  body: (record: CommandRecord) => Promise<T>,
): Promise<T> {
  const record: CommandRecord = { warnings: [] };
  const entry = (outcome: 'ok' | 'error', error?: string): AuditEntry => ({
    time: env.now().toISOString(),
    command,
    args: sortedArgs(args),
    outcome,
    ...(error === undefined ? {} : { error }),
    ...(record.warnings.length > 0 ? { warnings: record.warnings } : {}),
    artifacts: run.takeWritten(),
  });
  try {
    const result = await body(record);
    run.appendAudit(entry('ok'));
    return result;
  } catch (error) {
    run.appendAudit(entry('error', error instanceof Error ? error.message : String(error)));
    throw error;
  }
}

function sortedArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(args)
      .filter((key) => args[key] !== undefined)
      .sort()
      .map((key) => [key, args[key]]),
  );
}

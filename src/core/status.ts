import { loadSnapshot } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import { deriveStatus, type RunStatus } from './state.js';
import type { WorkflowEnv } from './workflow-env.js';

export async function runStatus(env: WorkflowEnv, runId: string): Promise<RunStatus> {
  const session = await openSession(env, runId);
  return audited(session.run, env, 'status', { run: runId }, async () => deriveStatus(loadSnapshot(session.run)));
}

import { WorkflowError } from '../errors.js';
import type { ModelProvider } from '../model/types.js';
import type { ModelRecord } from '../schema/run-files.js';

export interface DigestNote {
  /** For the audit line (and, when a change was allowed, for the person). */
  message: string;
  /** True when the model differs from the manifest's and --allow-model-change let it through. */
  changed: boolean;
}

const bare = (digest: string): string => digest.replace(/^sha256:/, '');

/**
 * Before a model is asked anything, it must be the model the run recorded: a re-pulled tag or an
 * upgrade can change the weights behind the same name, and every recorded reply would then stop
 * being reproducible. A different digest is refused unless the person allowed it; a digest that
 * one side does not know (OpenAI-compatible servers report none) cannot be compared, which is
 * allowed but noted.
 */
export async function checkModelDigest(
  provider: ModelProvider,
  role: 'planner' | 'executor',
  recorded: ModelRecord,
  allowModelChange: boolean,
  /** The server's answer, when the listing was asked for ahead of the call (model-call.ts). */
  asked: Promise<string | null> = provider.modelDigest(recorded.name),
): Promise<{ current: string | null; note: DigestNote | null }> {
  const current = await asked;
  if (recorded.digest === null || current === null) {
    const who = recorded.digest === null ? 'the run recorded none' : 'the server reports none';
    return { current, note: { message: `${role} model ${recorded.name}: digest not compared (${who}), so a changed model would go unnoticed`, changed: false } };
  }
  if (bare(current) === bare(recorded.digest)) return { current, note: null };
  if (!allowModelChange) {
    throw new WorkflowError(
      `the ${role} model ${recorded.name} has changed since the run was made: the server has digest ${current}, the run recorded ${recorded.digest}; ` +
        `pull the recorded model back, or pass --allow-model-change to use this one (the change is recorded in the audit log)`,
    );
  }
  const message = `${role} model ${recorded.name} changed: the server has digest ${current}, the run recorded ${recorded.digest}; used because of --allow-model-change`;
  return { current, note: { message, changed: true } };
}

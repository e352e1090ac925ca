import type { Run } from '../store/run-store.js';

export const UNCOUNTED_DIR = 'uncounted';

/**
 * A decision file that does not count (no audit line records it as it is: put there by a patch,
 * by hand, or changed since) sits where the person's own decision is to be written, and artifacts
 * are never overwritten. It is moved to `uncounted/<when>-<command>/` under the same relative
 * path, kept and recorded by the deciding command, so deciding is never blocked by it. Returns the
 * warning for the audit line, or null when nothing was in the way.
 */
export function setAsideUncountedDecision(run: Run, rel: string, command: string, now: Date): string | null {
  if (!run.exists(rel)) return null;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let folder = `${UNCOUNTED_DIR}/${stamp}-${command}`;
  for (let n = 2; run.exists(`${folder}/${rel}`); n++) folder = `${UNCOUNTED_DIR}/${stamp}-${command}-${n}`;
  run.moveAside(rel, `${folder}/${rel}`);
  return `${rel} was not a decision audit.log records; moved to ${folder}/${rel} (kept, not used)`;
}

/** Moves aside, with a shown warning, whatever uncounted file stands where `rel` is to be written. */
export function clearForDecision(run: Run, rel: string, command: string, now: Date): void {
  const setAside = setAsideUncountedDecision(run, rel, command, now);
  if (setAside) run.noteWarning(setAside, { show: true });
}

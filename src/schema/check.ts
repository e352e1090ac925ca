/**
 * One line of `doctor` or `verify`: ✅ ok, ⚠️ warn, ❌ fail. The message is for a person; `data`
 * holds the facts behind it for --json, so a script reads those, not the prose.
 */
export type CheckLevel = 'ok' | 'warn' | 'fail';
export interface Check {
  /** What is checked, stable across versions and runs (`planner_model`, `base_commit`): a script keys on it. Several checks may share one (verify: one per file). */
  id: string;
  level: CheckLevel;
  message: string;
  data: Record<string, unknown>;
}

/**
 * One line of `doctor` or `verify`: ✅ ok, ⚠️ warn, ❌ fail. The message is for a person; `data`
 * holds the facts behind it for --json, so a script reads those, not the prose.
 */
export type CheckLevel = 'ok' | 'warn' | 'fail';
export interface Check {
  level: CheckLevel;
  message: string;
  data?: Record<string, unknown>;
}

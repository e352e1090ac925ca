import type { Check } from '../../schema/check.js';

export type { Check, CheckLevel } from '../../schema/check.js';

/**
 * verify prints doctor's ✅/⚠️/❌ lines. Every message starts with the file it is about (or the
 * group of files, for a summary) and the name of the check, so a ❌ says exactly what to look at:
 * `❌ plan/plan.json: recorded sha256: …`.
 */
export const pass = (subject: string, check: string, detail: string, data: Record<string, unknown> = {}): Check => made('ok', subject, check, detail, data);
export const skip = (subject: string, check: string, detail: string, data: Record<string, unknown> = {}): Check => made('warn', subject, check, detail, data);
export const fail = (subject: string, check: string, detail: string, data: Record<string, unknown> = {}): Check => made('fail', subject, check, detail, data);

/** The check's name is its id (`recorded sha256` → `recorded_sha256`); the file it is about is `data.subject`. */
function made(level: Check['level'], subject: string, check: string, detail: string, data: Record<string, unknown>): Check {
  return { id: check.replace(/[^a-z0-9]+/g, '_'), level, message: `${subject}: ${check}: ${detail}`, data: { subject, ...data } };
}

export const short = (hash: string): string => hash.slice(0, 12);

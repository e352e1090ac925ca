import type { Check } from '../../schema/check.js';

export type { Check, CheckLevel } from '../../schema/check.js';

/**
 * verify prints doctor's ✅/⚠️/❌ lines. Every message starts with the file it is about (or the
 * group of files, for a summary) and the name of the check, so a ❌ says exactly what to look at:
 * `❌ plan/plan.json: recorded sha256: …`.
 */
export const pass = (subject: string, check: string, detail: string): Check => ({ level: 'ok', message: `${subject}: ${check}: ${detail}` });
export const skip = (subject: string, check: string, detail: string): Check => ({ level: 'warn', message: `${subject}: ${check}: ${detail}` });
export const fail = (subject: string, check: string, detail: string): Check => ({ level: 'fail', message: `${subject}: ${check}: ${detail}` });

export const short = (hash: string): string => hash.slice(0, 12);

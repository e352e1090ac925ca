/**
 * A refusal is the engine's answer when the only way to a usable patch would be a guess. It is a
 * typed error so the deep steps (locating a hunk, resolving a path) can stop with a precise reason
 * and the engine can turn it into a RepairOutcome; no other error is ever caught.
 */

export interface Refusal {
  /** The file the refusal is about (repository-relative), null for whole-reply problems. */
  file: string | null;
  /** The hunk, 1-based in the order the model wrote them; null when not about one hunk. */
  hunk: number | null;
  /** One line for a person: what is wrong and why it cannot be repaired without guessing. */
  reason: string;
  /** The line the diff expects (as the model wrote it), when one line is at fault. */
  expected: string | null;
  /** What the base file holds where the hunk fits best, when known. */
  found: string | null;
  /** The file line most like the expected one near where the hunk fits best (1-based). */
  closest: { line: number; text: string } | null;
}

export class RefusalError extends Error {
  readonly refusal: Refusal;
  /**
   * `nowhere`: a hunk fits the file nowhere (not in several places); `two-ways`: a line of the diff
   * reads two ways (a marker or a lost leading space) that fit with different results.
   */
  readonly kind: RefusalKind;
  constructor(refusal: Refusal, kind: RefusalKind = null) {
    super(refusal.reason);
    this.name = 'RefusalError';
    this.refusal = refusal;
    this.kind = kind;
  }
}

export type RefusalKind = 'nowhere' | 'two-ways' | null;

export function refuse(file: string | null, hunk: number | null, reason: string, details: Partial<Pick<Refusal, 'expected' | 'found' | 'closest'>> = {}, kind: RefusalKind = null): never {
  throw new RefusalError({ file, hunk, reason, expected: details.expected ?? null, found: details.found ?? null, closest: details.closest ?? null }, kind);
}

/** The one-line error of a RepairOutcome: where, then why. */
export function refusalLine(r: Refusal): string {
  const where = [r.file, r.hunk === null ? null : `hunk ${r.hunk}`].filter((x) => x !== null).join(', ');
  const line = where === '' ? r.reason : `${where}: ${r.reason}`;
  return line.replace(/\s*\n\s*/g, ' ');
}

/** Quote a line of text for a reason: JSON quoting shows tabs, trailing spaces and '\r'. */
export function q(text: string, max = 120): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** What a file line that starts with '-' or '+' needs to be read as context, not as a removal or addition. */
export function contextSpaceHint(line: string): string {
  return `meant as a context line, it needs a leading space (${q(` ${line}`)}), since a line starting with "${line[0]}" ${line.startsWith('-') ? 'removes' : 'adds'} the rest of it`;
}

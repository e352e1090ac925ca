/**
 * Shapes shared by the diff pipeline (extract → parse → repairs) and its callers.
 */

/**
 * One change the tool made to a model's reply on the way to a usable diff. The list of fixes is
 * the audit trail of "what we did to the model's answer", so every byte-changing step logs one.
 */
export interface Fix {
  /** A stable name of the step, e.g. 'strip-fences', 'crlf', 'recount-hunk', 'trailing-newline'. */
  kind: string;
  /** The file the fix is about (repository-relative, no a/ b/ prefix); null for whole-reply fixes. */
  file: string | null;
  /** The hunk the fix is about, 1-based within its file (as a person counts); null if none. */
  hunk: number | null;
  /** One line for a person: what was wrong and what was done. */
  detail: string;
  /** The text before the fix (an excerpt when long; the raw reply is the full record). */
  before: string;
  /** The text after the fix ('' when something was removed). */
  after: string;
}

export interface FileChange {
  oldPath: string | null;
  newPath: string | null;
  kind: 'modify' | 'add' | 'delete' | 'rename';
}

export interface NormalizeResult {
  /** false when no diff could be found or it cannot be parsed. */
  ok: boolean;
  /** The normalized diff ('' when !ok). */
  diff: string;
  /** The reply's prose outside the diff (trimmed; '' if none). */
  notes: string;
  /** Every change made, in order; empty when the input was already a clean diff. */
  fixes: Fix[];
  files: FileChange[];
  /** One-line reason when !ok. */
  error: string | null;
}

/** Longest text kept in Fix.before / Fix.after for bulky removals (think blocks, prose). */
export const EXCERPT_LIMIT = 400;

export function excerpt(text: string): string {
  return text.length <= EXCERPT_LIMIT ? text : `${text.slice(0, EXCERPT_LIMIT)}… (${text.length} characters)`;
}

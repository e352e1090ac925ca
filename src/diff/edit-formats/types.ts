/**
 * Edit formats: the shapes a model may answer an executor request in. Whatever the format, what a
 * person reviews, approves and applies is the unified diff the tool computes from the reply
 * against the state tree; these are the shapes of that conversion.
 */

export type EditFormat = 'diff' | 'whole' | 'search-replace';

export const EDIT_FORMATS: readonly EditFormat[] = ['diff', 'whole', 'search-replace'];

/**
 * One thing the conversion did to the model's reply on the way to the diff, or decided for it
 * where the format cannot say (a final newline). The list is the audit trail of the conversion,
 * as the repair engine's fixes are for diffs: every byte the tool chose rather than the model has
 * one.
 */
export interface ConversionStep {
  /** A stable name of the step, e.g. 'crlf', 'trailing-whitespace', 'final-newline'. */
  fix: string;
  /** One line for a person: what the reply had and what was done. */
  message: string;
  /** The repository path the step is about; absent for whole-reply steps. */
  path?: string;
  /** The 1-based line of the reply the step is about, where one line is. */
  line?: number;
}

export type ConversionResult =
  | { ok: true; diff: string; steps: ConversionStep[]; files: string[] }
  | { ok: false; reason: string; path?: string; line?: number; steps: ConversionStep[] };

/** Content of a path in the state tree (base + approved patches), undefined when it does not exist. */
export type ReadFile = (path: string) => string | undefined;

export interface ConversionOptions {
  /**
   * Why the reply may not change this existing path (the executor was not shown it), or null when
   * it may. Asked of every existing path the reply names before any content of it is used, so a
   * refusal quotes nothing of a file the executor did not see (as EngineOptions.hidden).
   */
  hidden?: (path: string) => string | null;
}

/**
 * The engine's public shapes, kept apart so every repair module can use them without importing
 * the engine itself; engine.ts re-exports them.
 */
import type { FileChange, Fix } from '../types.js';
import type { Refusal } from './refusal.js';

export type { Refusal };

export interface EngineOptions {
  /**
   * The name of the repository's folder (the basename of its root), so `a/<repoName>/src/x.go` can
   * be recognised as the model doubling it into the path; null when not known.
   */
  repoName: string | null;
  /**
   * Why the reply may not change this path that exists at base (the executor was not shown it), or
   * null when it may. Asked of every existing path a file patch changes, deletes or renames, before
   * any file's content is used, so a refusal quotes nothing of a file the executor did not see.
   */
  hidden?: (path: string) => string | null;
  /**
   * false: every file patch goes through the full repair, none is taken by the as-written check
   * (repair/as-written.ts), which decides the same; the tests compare the two.
   */
  asWritten?: boolean;
  /** Told each path the as-written check took. */
  takenAsWritten?: (path: string) => void;
}

/** Base content by path: a Buffer, null when the path does not exist at base, undefined when not fetched. */
export interface FileSource {
  get(path: string): Buffer | null | undefined;
  /** Called once the engine has read `path`'s content for the last time (it asks nothing more of it), so the source may let it go. */
  done?(path: string): void;
}

/** A touched path's content after the patch; null when the patch deletes it. */
export interface ExpectedFile {
  path: string;
  content: Buffer | null;
}

export interface RepairOutcome {
  ok: boolean;
  /** `git apply`-able from the repository root: a/ b/ prefixes, right headers and counts, final newline; '' when !ok. */
  diff: string;
  /** The reply's prose outside the diff. */
  notes: string;
  /** Every change made to the model's diff, in order. */
  fixes: Fix[];
  files: FileChange[];
  /** The post-image of every touched path, computed by applying the repaired hunks to the base. */
  expected: ExpectedFile[];
  /** One line, when !ok. */
  error: string | null;
  refusal: Refusal | null;
}

import './zod.js';
import * as z from 'zod/mini';
import { Bool, NullableText, PositiveInt, Sha256, Text, Version } from './leaves.js';

const GitSha = z.string().check(z.regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/));

/**
 * `undo/TNNN/undo-NNN.json`, written by undo-task once git has taken the patch out: what was
 * taken out, how, and the commits involved. The audit line that names it is what counts.
 */
export const UndoRecord = z.strictObject({
  schema_version: Version,
  run_id: Text,
  task: Text,
  /** 1 for the task's first undo, 2 after it was applied again and undone again, and so on */
  undo: PositiveInt,
  /** The approved patch that was taken out, as apply-task applied it. */
  patch: z.strictObject({ path: Text, sha256: Sha256 }),
  /** `commit`: a revert commit on HEAD (applied with --commit); `working-tree`: a reverse apply, not staged. */
  mode: z.enum(['commit', 'working-tree']),
  /** False when the patch was no longer there (taken out by hand): recorded, nothing changed. */
  changed: Bool,
  /** HEAD when undo-task started (null in a repository without commits). */
  head_before: z.nullable(GitSha),
  /** The commit apply-task made, found on HEAD by its trailers; null in working-tree mode or when not found. */
  applied_commit: z.nullable(GitSha),
  /** The revert commit undo-task made; null in working-tree mode. */
  revert_commit: z.nullable(GitSha),
  /** The files as the reverse changed them (an added file is deleted again). */
  files: z.array(z.strictObject({ kind: z.enum(['modify', 'add', 'delete', 'rename']), old_path: NullableText, new_path: NullableText })),
  undone_at: Text,
});
export type UndoRecord = z.infer<typeof UndoRecord>;

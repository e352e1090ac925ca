import './zod.js';
import * as z from 'zod/mini';
import { PlanTask } from './plan.js';
import { Bool, NullableNumber, NullableText, Num, PositiveInt, Sha256, Text, Version } from './leaves.js';
import { CheckCommand, CheckLink, EditFormat, GenerationParams } from './pack-manifest.js';

export { SCHEMA_VERSION } from './leaves.js';
export * from './pack-manifest.js';
export * from './carry-over.js';
export * from './undo.js';

/** Shapes of the files in a run directory (the pack manifest and carry-over records have files of their own). */

export const ModelRecord = z.strictObject({
  name: Text,
  digest: NullableText,
  context_length: NullableNumber,
  parameters: NullableText,
  family: NullableText,
  parameter_size: NullableText,
  quantization_level: NullableText,
});
export type ModelRecord = z.infer<typeof ModelRecord>;

export const Manifest = z.strictObject({
  schema_version: Version,
  run_id: Text,
  created_at: Text,
  tool: z.strictObject({ name: Text, version: Text }),
  spec: z.strictObject({ file: Text, sha256: Sha256, bytes: z.int() }),
  repository: z.strictObject({ root: Text, base_commit: Text, base_kind: z.enum(['commit', 'empty-tree']) }),
  provider: z.enum(['ollama', 'openai', 'embedded']),
  /** The server's URL; 'in-process' for the embedded provider, which has none. */
  base_url: Text,
  /** `init --allow-remote`: the base URL may be another machine. Absent: loopback only. */
  allow_remote: z.optional(Bool),
  server: z.strictObject({ version: NullableText }),
  models: z.strictObject({ planner: ModelRecord, executor: ModelRecord }),
  pack: z.strictObject({ id: Text, version: Text, files: z.record(Text, Sha256) }),
  generation: GenerationParams,
  timeout_ms: PositiveInt,
  /** `init --from`: the run this one was started from (its spec, base commit, context and plan). */
  from_run: z.optional(z.strictObject({ run_id: Text, manifest_sha256: Sha256 })),
  /** `init --from --num-ctx/--num-predict`: the values that differ from the pack's (also in `generation`). */
  generation_overrides: z.optional(z.strictObject({ num_ctx: z.optional(PositiveInt), num_predict: z.optional(PositiveInt) })),
  /**
   * The checks a person declared: the pack's `checks`, then each `init --check`, in that order.
   * Absent (runs made before checks existed, or none declared): run-task runs none.
   */
  checks: z.optional(z.array(CheckCommand)),
  /** The pack's `check_links`: repository paths linked into the copy the checks run in. */
  check_links: z.optional(z.array(CheckLink)),
});
export type Manifest = z.infer<typeof Manifest>;

export const AllowlistEntry = z.strictObject({ path: Text, sha256: Sha256, added_at: Text, added_by: Text });
/** A path a person took out with remove-context: hidden from the executor even when an approved patch touched it. */
export const ContextExclusion = z.strictObject({ path: Text, removed_at: Text, removed_by: Text });
export const Allowlist = z.strictObject({ schema_version: Version, files: z.array(AllowlistEntry), excluded: z.optional(z.array(ContextExclusion)) });
export type Allowlist = z.infer<typeof Allowlist>;

export const TaskFile = z.strictObject({
  schema_version: Version,
  plan_revision: PositiveInt,
  plan_sha256: Sha256,
  milestone: Text,
  task: PlanTask,
});
export type TaskFile = z.infer<typeof TaskFile>;

const ReplyRecord = {
  model: Text,
  /** The model server the call went to (the manifest's, or `--base-url`); absent in older runs. */
  base_url: z.optional(Text),
  raw: Text,
  thinking: Text,
  done_reason: NullableText,
  stats: z.strictObject({
    prompt_tokens: NullableNumber,
    completion_tokens: NullableNumber,
    total_duration_ns: NullableNumber,
  }),
};

export const PlanResponse = z.strictObject({
  schema_version: Version,
  revision: PositiveInt,
  ...ReplyRecord,
  fixes: z.array(Text),
  parsed: z.unknown(),
  parse_error: NullableText,
  validation: z.strictObject({ ok: Bool, errors: z.array(Text) }),
  /**
   * Files a task names that are neither at the base commit nor declared by a task it depends on,
   * worded for a person; computed once, when the plan validated, so reading them needs no git.
   * Absent in runs made before the planner saw the repository.
   */
  file_warnings: z.optional(z.array(Text)),
  /** Who wrote the revision when it was not the planner model: `edit-plan` (no model call, model is ""). */
  author: z.optional(z.strictObject({ kind: z.literal('person'), by: Text, via: z.enum(['editor', 'file']) })),
  /** A revision taken from another run by `init --from` (no model call): that run's plan, byte for byte. */
  imported_from: z.optional(z.strictObject({ run_id: Text, plan_revision: PositiveInt, plan_sha256: Sha256 })),
});
export type PlanResponse = z.infer<typeof PlanResponse>;

export const FixRecord = z.strictObject({
  kind: Text,
  file: NullableText,
  hunk: NullableNumber,
  detail: Text,
  before: Text,
  after: Text,
});

export const PatchValidationRecord = z.strictObject({
  ok: Bool,
  base: Text,
  approved_patches: z.array(z.strictObject({ task: Text, sha256: Sha256 })),
  state_tree: NullableText,
  result_tree: NullableText,
  files: z.array(Text),
  errors: z.array(Text),
});
export type PatchValidationRecord = z.infer<typeof PatchValidationRecord>;

/**
 * What attempt N (N >= 2) told the executor about attempt N-1, beside that attempt's reply. The
 * exact text sent is in exec.request.json; this is the same content, by kind, for people and tools.
 */
export const ExecFeedback = z.strictObject({
  previous_attempt: PositiveInt,
  /** Why the previous reply was not usable, as recorded in its exec.response.json; null when it validated. */
  failure: z.nullable(
    z.strictObject({
      /** The recorded errors as sent; empty when they were withheld because of hidden_files. */
      errors: z.array(Text),
      expected_line: NullableText,
      /** Lines of a file the executor is shown, around the line most like the one that did not match. */
      excerpt: z.nullable(z.strictObject({ file: Text, first_line: PositiveInt, last_line: PositiveInt, text: Text })),
      /**
       * Files the failure is about that the executor is not shown: the failure's own text may quote
       * their lines, so only their names were sent.
       */
      hidden_files: z.array(Text),
    }),
  ),
  /** The reviewer's reject-task reason, verbatim; null when the previous attempt was not rejected. */
  rejection: NullableText,
  /** The person's --feedback / --feedback-file text; null when none was given. */
  person: NullableText,
  /** Each failed check of the previous attempt: its command, how it ended and the tail of its output; null when none failed. */
  check_output: NullableText,
});
export type ExecFeedback = z.infer<typeof ExecFeedback>;

/** One run of a check: the log holds the last bytes of its output (stdout and stderr together). */
const CheckRunRecord = {
  exit_code: z.nullable(z.int()),
  timed_out: Bool,
  duration_ms: Num,
  /** Exit 0 within the timeout. */
  passed: Bool,
  /** The log in the run (artifacts/check-N.log), and the sha256 of its bytes. */
  log: Text,
  output_sha256: Sha256,
  /** Bytes the check wrote in all; the log keeps at most the last MiB. */
  output_bytes: Num,
  /** 'none': run in a network namespace of its own (unshare -rn); 'host': with the machine's network. Absent in older runs. */
  network: z.optional(z.enum(['none', 'host'])),
};

/** A person's check run on base + approved patches + this attempt's patch, in a throwaway copy. */
export const CheckRecord = z.strictObject({
  command: Text,
  ...CheckRunRecord,
  /**
   * The same check on base + approved patches without this patch, run only when it failed with
   * it: passed there means the patch broke it; failed there means it was failing already.
   */
  baseline: z.optional(z.strictObject(CheckRunRecord)),
});
export type CheckRecord = z.infer<typeof CheckRecord>;

/**
 * `artifacts/recheck-NNN/checks.json`, written by `run-task --checks-only`: the run's checks run
 * again on an attempt's patch, with no model call. The latest one recorded is the attempt's result.
 */
export const CheckRerun = z.strictObject({
  schema_version: Version,
  task: Text,
  attempt: PositiveInt,
  checks: z.array(CheckRecord),
});
export type CheckRerun = z.infer<typeof CheckRerun>;


/** How a whole or search-replace reply became a unified diff (each step logged like a repair), or why it could not. */
export const ConversionRecord = z.strictObject({
  ok: Bool,
  reason: NullableText,
  path: NullableText,
  line: NullableNumber,
  steps: z.array(z.strictObject({ fix: Text, message: Text, path: NullableText, line: NullableNumber })),
  files: z.array(Text),
});
export const ExecResponse = z.strictObject({
  schema_version: Version,
  task: Text,
  attempt: PositiveInt,
  ...ReplyRecord,
  normalization: z.strictObject({
    ok: Bool,
    error: NullableText,
    refusal: z.nullable(
      z.strictObject({
        file: NullableText,
        hunk: NullableNumber,
        reason: Text,
        expected: NullableText,
        found: NullableText,
        closest: z.nullable(z.strictObject({ line: Num, text: Text })),
      }),
    ),
    fixes: z.array(FixRecord),
    files: z.array(z.strictObject({ oldPath: NullableText, newPath: NullableText, kind: Text })),
  }),
  /** The format the executor was asked to reply in; absent: diff (the reply is in patch.raw.diff). */
  edit_format: z.optional(EditFormat),
  /**
   * For a whole or search-replace reply (kept in artifacts/reply.raw.txt): how it was turned into a
   * unified diff, each step logged like a repair, or why it was refused (with where). The diff it
   * gave then went through the engine and git as any reply does (normalization, validation).
   */
  conversion: z.optional(ConversionRecord),
  /** Files the patch changes that the task did not declare: approve-task then needs --ack-undeclared. */
  undeclared_files: z.optional(z.array(Text)),
  /**
   * The repository files the executor was shown (paths, sorted): the reply may change no other
   * existing file, and verify repairs the reply with the same list. Absent in runs recorded before
   * it was kept, which verify repairs as they were made, with no such limit.
   */
  context_files: z.optional(z.array(Text)),
  /** Added lines holding control characters (as escapes, src/visible-text.ts), shown as a warning. */
  control_characters: z.optional(z.array(z.strictObject({ file: Text, line: Num, characters: z.array(Text) }))),
  validation: PatchValidationRecord,
  /** Absent on a first attempt, and on every attempt of runs made before feedback existed. */
  feedback: z.optional(ExecFeedback),
  /** The run's checks on this patch, in the manifest's order; absent when none ran. */
  checks: z.optional(z.array(CheckRecord)),
  /** Why the run's checks did not run on a patch that validated: `run-task --no-checks`, or Ctrl-C during them. */
  checks_skipped: z.optional(z.enum(['no-checks', 'interrupted'])),
});
export type ExecResponse = z.infer<typeof ExecResponse>;

export const Approval = z.strictObject({
  schema_version: Version,
  decision: z.enum(['approved', 'rejected']),
  by: Text,
  at: Text,
  reason: NullableText,
  subject: z.strictObject({
    kind: z.enum(['plan', 'patch']),
    path: Text,
    sha256: Sha256,
    plan_revision: z.nullable(PositiveInt),
    task: NullableText,
    attempt: z.nullable(PositiveInt),
  }),
});
export type Approval = z.infer<typeof Approval>;


/**
 * One line of audit.log. `prev` chains the lines (src/store/audit-chain.ts): the sha256 of the
 * previous line's bytes, 64 zeros on the first line.
 */
export const AuditEntry = z.strictObject({
  prev: Sha256,
  time: Text,
  command: Text,
  args: z.record(Text, z.unknown()),
  outcome: z.enum(['ok', 'error']),
  error: z.optional(Text),
  warnings: z.optional(z.array(Text)),
  artifacts: z.array(z.strictObject({ path: Text, sha256: Sha256 })),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

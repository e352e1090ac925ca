import './zod.js';
import * as z from 'zod/mini';
import { PlanTask } from './plan.js';

/**
 * Shapes of the files in a run directory. Every file carries `schema_version`; a file written
 * by another version is reported, never guessed at.
 */
export const SCHEMA_VERSION = 1;
const Version = z.literal(SCHEMA_VERSION);
// The leaves every file's shape is made of, built once: a zod schema is immutable and can sit at
// any number of fields, and every command builds all of these at start-up, so each repeat of
// z.string() at a field was start-up time spent for nothing.
const Text = z.string();
const NullableText = z.nullable(Text);
const Num = z.number();
const NullableNumber = z.nullable(Num);
const PositiveInt = z.int().check(z.positive());
const Bool = z.boolean();
const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const GenerationParams = z.strictObject({
  temperature: z.number().check(z.minimum(0)),
  seed: z.int(),
  top_k: z.int().check(z.minimum(0)),
  top_p: z.number().check(z.minimum(0), z.maximum(1)),
  repeat_penalty: z.number().check(z.minimum(0)),
  num_ctx: PositiveInt,
  num_predict: PositiveInt,
  think: Bool,
});
export type GenerationParams = z.infer<typeof GenerationParams>;

/**
 * A path of the repository a check may need but that git does not hold (node_modules, .venv):
 * relative, inside the repository, never .git. Linked into the checks' copy, not copied.
 */
const CheckLink = z.string().check(
  z.refine((value) => value !== '' && !value.startsWith('/') && !value.includes('\0') && !value.split('/').some((part) => part === '..' || part === '.' || part === '' || part === '.git'), {
    message: 'a check link is a relative path inside the repository, without "..", "." or .git',
  }),
);
/** A shell command a person declared (init --check, or the pack's checks), run with `sh -c`. */
const CheckCommand = z.string().check(z.minLength(1), z.refine((value) => !value.includes('\0'), { message: 'a check holds no NUL byte' }));

export const PackManifest = z.strictObject({
  schema_version: Version,
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]*$/)),
  version: z.string().check(z.minLength(1)),
  description: Text,
  prompts: z.strictObject({
    planner_system: z.string().check(z.minLength(1)),
    executor_system: z.string().check(z.minLength(1)),
    /**
     * The wording of the user message that tells the executor what went wrong with its previous
     * attempt (src/pack/template.ts). Optional: packs written before it existed still load, and a
     * run with such a pack sends no feedback (run-task says so).
     */
    executor_feedback: z.optional(z.string().check(z.minLength(1))),
  }),
  generation: GenerationParams,
  timeout_ms: PositiveInt,
  /** Size limits (bytes, reply_hunks in hunks, repo_files in paths); each one absent takes its default (packLimits). */
  limits: z.optional(
    z.strictObject({
      spec_bytes: z.optional(PositiveInt),
      context_bytes: z.optional(PositiveInt),
      reply_bytes: z.optional(PositiveInt),
      patch_bytes: z.optional(PositiveInt),
      reply_hunks: z.optional(PositiveInt),
      repo_files: z.optional(PositiveInt),
    }),
  ),
  /** Commands run on every validated patch, in a copy of the repository (src/core/run-checks.ts). */
  checks: z.optional(z.array(CheckCommand)),
  /** Repository paths linked into that copy, e.g. ["node_modules"]. */
  check_links: z.optional(z.array(CheckLink)),
});
export type PackManifest = z.infer<typeof PackManifest>;

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
 * A patch a carry-over record may name: an attempt's patch.diff or a copy `init --from` made. A
 * record edited to name any other file of the run (the spec, a plan) is refused when read.
 */
const CarriedPath = z.string().check(z.regex(/^(?:executions(?:\/rev-\d{3})?\/T\d{3}(?:\/attempt-\d{3})?\/artifacts|imported\/T\d{3})\/patch\.diff$/));

/** One approved patch that a plan revision takes over without a new attempt, bound to its sha256. */
export const CarriedPatch = z.strictObject({
  task: Text,
  /** The patch in this run: an earlier revision's attempt, or the copy `init --from` made. */
  path: CarriedPath,
  sha256: Sha256,
  /** Where it was approved: this run (run_id null) or the run `init --from` started from. */
  source: z.strictObject({ run_id: NullableText, plan_revision: PositiveInt, path: Text }),
});
export type CarriedPatch = z.infer<typeof CarriedPatch>;

export const DroppedPatch = z.strictObject({ task: Text, reason: Text });

/**
 * `plan/…/plan.carry-over.json`, written by approve-plan: which approvals of the previous approved
 * revision (or of the imported run) stay in force, in the order they were approved, and which
 * do not and why.
 */
export const CarryOver = z.strictObject({
  schema_version: Version,
  plan_revision: PositiveInt,
  from: z.strictObject({ run_id: NullableText, plan_revision: z.nullable(PositiveInt) }),
  carried: z.array(CarriedPatch),
  dropped: z.array(DroppedPatch),
});
export type CarryOver = z.infer<typeof CarryOver>;

/**
 * `plan/plan.import.json`, written by `init --from`: the source run and the approved patches copied
 * from it (validated again on base), offered to approve-plan of revision 1.
 */
export const PlanImport = z.strictObject({
  schema_version: Version,
  from: z.strictObject({ run_id: Text, manifest_sha256: Sha256, plan_revision: PositiveInt, plan_sha256: Sha256 }),
  patches: z.array(z.strictObject({ task: Text, path: CarriedPath, sha256: Sha256, source: z.strictObject({ plan_revision: PositiveInt, path: Text }) })),
  dropped: z.array(DroppedPatch),
});
export type PlanImport = z.infer<typeof PlanImport>;

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

/**
 * reply_hunks bounds the diff engine's work on one reply before it starts (its cost grows with the
 * number of hunks: 100,000 tiny ones took half a minute); a 7-14B model's num_predict cannot
 * reach the default honestly. repo_files: how many of the base commit's paths the planner is
 * sent; at about ten tokens a path, 500 take a third of the core pack's 16k context, leaving room
 * for the spec and the plan.
 */
export const DEFAULT_LIMITS = {
  spec_bytes: 256 * 1024,
  context_bytes: 512 * 1024,
  reply_bytes: 1024 * 1024,
  patch_bytes: 256 * 1024,
  reply_hunks: 2000,
  repo_files: 500,
} as const;
export type PackLimits = { [K in keyof typeof DEFAULT_LIMITS]: number };

/** A pack's limits with the defaults filled in (packs written before limits existed get all defaults). */
export function packLimits(manifest: Pick<PackManifest, 'limits'>): PackLimits {
  return { ...DEFAULT_LIMITS, ...manifest.limits };
}

/** The error text for a size over a limit: names the limit, the size and where to change it. */
export function overLimit(what: string, bytes: number, limit: keyof PackLimits, value: number): string {
  return `${what} is ${bytes} bytes, over the pack's limits.${limit} (${value} bytes): make it smaller, or raise limits.${limit} in the pack's manifest.json`;
}

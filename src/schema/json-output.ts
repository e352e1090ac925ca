import './zod.js';
import * as z from 'zod/mini';
import { Bool, NullableText, Num, PositiveInt, Sha256, Text } from './leaves.js';
import { Plan, PlanTask } from './plan.js';
import { AllowlistEntry, Approval, CarryOver, CheckRecord, ContextExclusion, ConversionRecord, ExecResponse, FixRecord, PatchValidationRecord } from './run-files.js';
import { EditFormat } from './pack-manifest.js';

/**
 * What `--json` prints, command by command: the one source of the shapes a script may rely on.
 * The CLI builds each result to these types (src/cli/json-results.ts), the tests parse every
 * command's output with them, and docs/json-schema.json is generated from them. Every key of every
 * object is snake_case; an object's keys are always all there (a missing fact is null, not absent),
 * except `files`, which names only the files a command wrote.
 *
 * Only types are imported at run time (the CLI never parses its own output), so no command pays
 * for building these schemas at start-up.
 */

const Int = z.int();
const Count = z.int().check(z.nonnegative());
const Level = z.enum(['ok', 'warn', 'fail']);
const RunState = z.enum(['needs-plan', 'plan-invalid', 'plan-pending-approval', 'plan-rejected', 'executing', 'completed']);
const TaskState = z.enum(['blocked', 'ready', 'awaiting-review', 'invalid', 'rejected', 'approved']);
const ChecksSkipped = z.nullable(z.enum(['no-checks', 'interrupted']));

/** A file a patch changes: both paths (null for the side a new or deleted file lacks). */
export const FileChange = z.strictObject({ old_path: NullableText, new_path: NullableText, kind: z.enum(['modify', 'add', 'delete', 'rename']) });

/**
 * A command to run next: `command` and `args` to run it without a shell, `shell` the same as one
 * line to paste. An argument `...` stands for text only a person can write (a reason, feedback).
 */
export const NextStep = z.strictObject({ command: Text, args: z.array(Text), shell: Text });

/** One check of doctor or verify: `id` names what is checked, `data` holds its facts. */
export const CheckOutcome = z.strictObject({ id: Text, level: Level, message: Text, data: z.record(Text, z.unknown()) });

const Refusal = ExecResponse.shape.normalization.shape.refusal;

/** exec.response.json as recorded, but for its file changes, whose keys are given in snake_case. */
export const ExecResponseOutput = z.strictObject({
  ...ExecResponse.shape,
  normalization: z.strictObject({ ...ExecResponse.shape.normalization.shape, files: z.array(FileChange) }),
});

// The files a command may write; only those it did write are present.
const PlanFiles = z.strictObject({
  request: z.optional(Text),
  raw: z.optional(Text),
  thinking: z.optional(Text),
  response: z.optional(Text),
  plan: z.optional(Text),
  markdown: z.optional(Text),
});
const AttemptFiles = z.strictObject({
  request: z.optional(Text),
  response: z.optional(Text),
  thinking: z.optional(Text),
  markdown: z.optional(Text),
  raw_patch: z.optional(Text),
  patch: z.optional(Text),
  notes: z.optional(Text),
  patch_markdown: z.optional(Text),
  reply_raw: z.optional(Text),
});

export const InitOutput = z.strictObject({ run_id: Text, run_dir: Text, from: NullableText });

/** plan, revise-plan and edit-plan: the revision written. */
/** plan, revise-plan, edit-plan: the revision written; also when the reply is not a valid plan (`valid` false, exit 1). */
export const PlanOutput = z.strictObject({
  run_id: Text,
  revision: PositiveInt,
  valid: Bool,
  /** Why the reply is not a valid plan; empty when it is. */
  errors: z.array(Text),
  plan: z.nullable(Plan),
  plan_sha256: z.nullable(Sha256),
  file_warnings: z.array(Text),
  files: PlanFiles,
  run_dir: Text,
});

export const ApprovePlanOutput = z.extend(Approval, { carry_over: z.nullable(CarryOver) });

/** run-task: the attempt it recorded, whether or not its patch validates. */
export const RunTaskAttemptOutput = z.strictObject({
  kind: z.literal('attempt'),
  task: Text,
  attempt: PositiveInt,
  valid: Bool,
  reason: NullableText,
  files: AttemptFiles,
  run_dir: Text,
  response: ExecResponseOutput,
});
/** run-task --checks-only: the checks run again, no model call. */
export const RunTaskRecheckOutput = z.strictObject({
  kind: z.literal('recheck'),
  task: Text,
  attempt: PositiveInt,
  record: Text,
  checks: z.array(CheckRecord),
});
export const RunTaskOutput = z.union([RunTaskAttemptOutput, RunTaskRecheckOutput]);

export const AddContextOutput = z.strictObject({
  added: z.array(z.strictObject({ path: Text, sha256: Sha256 })),
  already: z.array(Text),
  skipped: z.array(z.strictObject({ path: Text, reason: z.enum(['absent', 'excluded']) })),
  allowlist_sha256: z.nullable(Sha256),
});
export const RemoveContextOutput = z.strictObject({ removed: z.array(Text), allowlist_sha256: Sha256 });
export const ListContextOutput = z.strictObject({
  allowlisted: z.array(AllowlistEntry),
  from_approved_patches: z.array(z.strictObject({ path: Text, task: Text })),
  withheld: z.array(z.strictObject({ path: Text, task: Text, reason: Text })),
  excluded: z.array(ContextExclusion),
});

const TaskStatus = z.strictObject({
  id: Text,
  title: Text,
  milestone: Text,
  state: TaskState,
  attempts: Count,
  patch: NullableText,
  depends_on: z.array(Text),
  carried_over: z.nullable(z.strictObject({ sha256: Sha256, run_id: NullableText, plan_revision: PositiveInt })),
});

export const StatusOutput = z.strictObject({
  run_id: Text,
  state: RunState,
  plan_revision: z.nullable(PositiveInt),
  tasks: z.array(z.extend(TaskStatus, { applied: Bool, application: z.nullable(z.enum(['applied-committed', 'applied-working-tree', 'undone'])) })),
  next: z.array(NextStep),
  busy: z.nullable(z.strictObject({ command: Text, pid: Int, since: Text })),
  plan_warnings: z.array(Text),
  checks: z.array(
    z.strictObject({
      task: Text,
      attempt: PositiveInt,
      passed: Count,
      failed: z.array(z.strictObject({ command: Text, verdict: Text })),
      skipped: ChecksSkipped,
    }),
  ),
  run_dir: Text,
  edit_format: EditFormat,
});

const Decision = z.strictObject({ decision: z.enum(['approved', 'rejected']), by: Text, at: Text, reason: NullableText, sha256: Sha256 });

export const ShowPlanOutput = z.strictObject({
  kind: z.literal('plan'),
  run_id: Text,
  state: RunState,
  revision: PositiveInt,
  path: Text,
  plan_sha256: Sha256,
  decision: z.nullable(Decision),
  later_invalid: z.nullable(z.strictObject({ revision: PositiveInt, errors: z.array(Text) })),
  file_warnings: z.array(Text),
  plan: Plan,
  tasks: z.array(TaskStatus),
});
export const ShowPatchOutput = z.strictObject({
  kind: z.literal('patch'),
  run_id: Text,
  task: Text,
  title: Text,
  attempt: PositiveInt,
  attempts: PositiveInt,
  path: Text,
  patch: NullableText,
  patch_sha256: z.nullable(Sha256),
  no_patch_reason: NullableText,
  fixes: z.array(FixRecord),
  edit_format: EditFormat,
  conversion: z.nullable(ConversionRecord),
  validation: PatchValidationRecord,
  undeclared_files: z.array(Text),
  control_characters: z.array(z.strictObject({ file: Text, line: Num, characters: z.array(Text) })),
  hook_files: z.array(Text),
  decision: z.nullable(Decision),
  checks: z.array(z.extend(CheckRecord, { verdict: Text, tail: Text })),
  checks_skipped: ChecksSkipped,
});
export const ShowTaskOutput = z.strictObject({
  kind: z.literal('task'),
  run_id: Text,
  task: z.extend(PlanTask, { milestone: Text }),
  state: z.nullable(TaskState),
  files: z.array(z.strictObject({ path: Text, state: z.enum(['visible', 'hidden', 'withheld', 'excluded', 'absent']) })),
  next: z.array(NextStep),
});
export const ShowOutput = z.union([ShowPlanOutput, ShowPatchOutput, ShowTaskOutput]);

export const ApplyTaskOutput = z.strictObject({
  run_id: Text,
  task: Text,
  attempt: z.nullable(PositiveInt),
  patch_sha256: Sha256,
  files: z.array(FileChange),
  staged: Bool,
  commit: NullableText,
});

export const UndoTaskOutput = z.strictObject({
  run_id: Text,
  task: Text,
  mode: z.enum(['commit', 'working-tree']),
  changed: Bool,
  patch_sha256: Sha256,
  files: z.array(FileChange),
  applied_commit: NullableText,
  revert_commit: NullableText,
  record: Text,
});

export const RunsOutput = z.strictObject({
  runs_dir: Text,
  runs: z.array(
    z.strictObject({
      run_id: Text,
      state: z.union([RunState, z.literal('broken')]),
      plan_revision: z.nullable(PositiveInt),
      tasks_total: Count,
      tasks_approved: Count,
      tasks_applied: Count,
      tasks_undone: Count,
      next: z.nullable(NextStep),
      reason: NullableText,
      edit_format: z.nullable(EditFormat),
    }),
  ),
});

/** check-patch: also what `--report FILE` writes, there without `diff`. */
export const CheckPatchReport = z.strictObject({
  ok: Bool,
  input: Text,
  repository: Text,
  base: Text,
  format: EditFormat,
  /** null for a diff; for whole and search-replace replies, as run-task records it. */
  conversion: z.nullable(ConversionRecord),
  error: NullableText,
  refusal: Refusal,
  fixes: z.array(FixRecord),
  files: z.array(FileChange),
  notes: Text,
  validation: z.nullable(
    z.strictObject({ ok: Bool, base: Text, state_tree: NullableText, result_tree: NullableText, files: z.array(Text), error: NullableText }),
  ),
});
export const CheckPatchOutput = z.extend(CheckPatchReport, { diff: NullableText });

export const VerifyOutput = z.strictObject({ checks: z.array(CheckOutcome), head: z.nullable(Sha256) });
export const DoctorOutput = z.strictObject({ checks: z.array(CheckOutcome) });

const ReplayModel = z.nullable(z.strictObject({ name: Text, recorded_digest: NullableText, current_digest: NullableText }));
export const ReplayOutput = z.strictObject({
  report: z.strictObject({
    schema_version: z.literal(1),
    run_id: Text,
    replayed_at: Text,
    provider: z.enum(['ollama', 'openai', 'embedded']),
    base_url: Text,
    task: NullableText,
    models: z.strictObject({ planner: ReplayModel, executor: ReplayModel }),
    calls: z.array(
      z.strictObject({
        request: Text,
        role: z.enum(['planner', 'executor']),
        identical: Bool,
        differs_in: z.nullable(z.enum(['content', 'thinking', 'done_reason'])),
        first_difference: z.nullable(z.strictObject({ offset: Count, line: PositiveInt, column: PositiveInt, recorded: Text, replayed: Text })),
        error: NullableText,
      }),
    ),
    summary: z.strictObject({ calls: Count, identical: Count, different: Count, failed: Count }),
  }),
  report_path: Text,
});

export const ExportOutput = z.strictObject({ out: Text, file_count: Count, bytes: Count, sha256: Sha256 });
/** `html` is the page itself when it went to standard output (no --out), else null. */
export const ReportOutput = z.strictObject({ out: NullableText, bytes: Count, sha256: Sha256, html: NullableText });


export type InitOutput = z.output<typeof InitOutput>;
export type PlanOutput = z.output<typeof PlanOutput>;
export type ApprovePlanOutput = z.output<typeof ApprovePlanOutput>;
export type RunTaskAttemptOutput = z.output<typeof RunTaskAttemptOutput>;
export type RunTaskRecheckOutput = z.output<typeof RunTaskRecheckOutput>;
export type AddContextOutput = z.output<typeof AddContextOutput>;
export type RemoveContextOutput = z.output<typeof RemoveContextOutput>;
export type ListContextOutput = z.output<typeof ListContextOutput>;
export type StatusOutput = z.output<typeof StatusOutput>;
export type ShowOutput = z.output<typeof ShowOutput>;
export type ApplyTaskOutput = z.output<typeof ApplyTaskOutput>;
export type UndoTaskOutput = z.output<typeof UndoTaskOutput>;
export type RunsOutput = z.output<typeof RunsOutput>;
export type CheckPatchReport = z.output<typeof CheckPatchReport>;
export type CheckPatchOutput = z.output<typeof CheckPatchOutput>;
export type VerifyOutput = z.output<typeof VerifyOutput>;
export type DoctorOutput = z.output<typeof DoctorOutput>;
export type ReplayOutput = z.output<typeof ReplayOutput>;
export type ExportOutput = z.output<typeof ExportOutput>;
export type ReportOutput = z.output<typeof ReportOutput>;
export type CheckOutcome = z.output<typeof CheckOutcome>;
export type NextStep = z.output<typeof NextStep>;
export type FileChange = z.output<typeof FileChange>;
export type JsonApproval = z.output<typeof Approval>;

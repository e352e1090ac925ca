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

export const PackManifest = z.strictObject({
  schema_version: Version,
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]*$/)),
  version: z.string().check(z.minLength(1)),
  description: Text,
  prompts: z.strictObject({ planner_system: z.string().check(z.minLength(1)), executor_system: z.string().check(z.minLength(1)) }),
  generation: GenerationParams,
  timeout_ms: PositiveInt,
  /** Size limits in bytes; each one absent takes its default (packLimits). */
  limits: z.optional(
    z.strictObject({
      spec_bytes: z.optional(PositiveInt),
      context_bytes: z.optional(PositiveInt),
      reply_bytes: z.optional(PositiveInt),
      patch_bytes: z.optional(PositiveInt),
    }),
  ),
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
  validation: PatchValidationRecord,
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

export const DEFAULT_LIMITS = { spec_bytes: 256 * 1024, context_bytes: 512 * 1024, reply_bytes: 1024 * 1024, patch_bytes: 256 * 1024 } as const;
export type PackLimits = { [K in keyof typeof DEFAULT_LIMITS]: number };

/** A pack's limits with the defaults filled in (packs written before limits existed get all defaults). */
export function packLimits(manifest: Pick<PackManifest, 'limits'>): PackLimits {
  return { ...DEFAULT_LIMITS, ...manifest.limits };
}

/** The error text for a size over a limit: names the limit, the size and where to change it. */
export function overLimit(what: string, bytes: number, limit: keyof PackLimits, value: number): string {
  return `${what} is ${bytes} bytes, over the pack's limits.${limit} (${value} bytes): make it smaller, or raise limits.${limit} in the pack's manifest.json`;
}

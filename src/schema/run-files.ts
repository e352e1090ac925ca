import './zod.js';
import * as z from 'zod/mini';
import { PlanTask } from './plan.js';

/**
 * Shapes of the files in a run directory. Every file carries `schema_version`; a file written
 * by another version is reported, never guessed at.
 */
export const SCHEMA_VERSION = 1;
const Version = z.literal(SCHEMA_VERSION);
const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const GenerationParams = z.strictObject({
  temperature: z.number().check(z.minimum(0)),
  seed: z.int(),
  top_k: z.int().check(z.minimum(0)),
  top_p: z.number().check(z.minimum(0), z.maximum(1)),
  repeat_penalty: z.number().check(z.minimum(0)),
  num_ctx: z.int().check(z.positive()),
  num_predict: z.int().check(z.positive()),
  think: z.boolean(),
});
export type GenerationParams = z.infer<typeof GenerationParams>;

export const PackManifest = z.strictObject({
  schema_version: Version,
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]*$/)),
  version: z.string().check(z.minLength(1)),
  description: z.string(),
  prompts: z.strictObject({ planner_system: z.string().check(z.minLength(1)), executor_system: z.string().check(z.minLength(1)) }),
  generation: GenerationParams,
  timeout_ms: z.int().check(z.positive()),
  /** Size limits in bytes; each one absent takes its default (packLimits). */
  limits: z.optional(
    z.strictObject({
      spec_bytes: z.optional(z.int().check(z.positive())),
      context_bytes: z.optional(z.int().check(z.positive())),
      reply_bytes: z.optional(z.int().check(z.positive())),
      patch_bytes: z.optional(z.int().check(z.positive())),
    }),
  ),
});
export type PackManifest = z.infer<typeof PackManifest>;

export const ModelRecord = z.strictObject({
  name: z.string(),
  digest: z.nullable(z.string()),
  context_length: z.nullable(z.number()),
  parameters: z.nullable(z.string()),
  family: z.nullable(z.string()),
  parameter_size: z.nullable(z.string()),
  quantization_level: z.nullable(z.string()),
});
export type ModelRecord = z.infer<typeof ModelRecord>;

export const Manifest = z.strictObject({
  schema_version: Version,
  run_id: z.string(),
  created_at: z.string(),
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  spec: z.strictObject({ file: z.string(), sha256: Sha256, bytes: z.int() }),
  repository: z.strictObject({ root: z.string(), base_commit: z.string(), base_kind: z.enum(['commit', 'empty-tree']) }),
  provider: z.enum(['ollama', 'openai', 'embedded']),
  /** The server's URL; 'in-process' for the embedded provider, which has none. */
  base_url: z.string(),
  /** `init --allow-remote`: the base URL may be another machine. Absent: loopback only. */
  allow_remote: z.optional(z.boolean()),
  server: z.strictObject({ version: z.nullable(z.string()) }),
  models: z.strictObject({ planner: ModelRecord, executor: ModelRecord }),
  pack: z.strictObject({ id: z.string(), version: z.string(), files: z.record(z.string(), Sha256) }),
  generation: GenerationParams,
  timeout_ms: z.int().check(z.positive()),
});
export type Manifest = z.infer<typeof Manifest>;

export const AllowlistEntry = z.strictObject({ path: z.string(), sha256: Sha256, added_at: z.string(), added_by: z.string() });
export const Allowlist = z.strictObject({ schema_version: Version, files: z.array(AllowlistEntry) });
export type Allowlist = z.infer<typeof Allowlist>;

export const TaskFile = z.strictObject({
  schema_version: Version,
  plan_revision: z.int().check(z.positive()),
  plan_sha256: Sha256,
  milestone: z.string(),
  task: PlanTask,
});
export type TaskFile = z.infer<typeof TaskFile>;

const ReplyRecord = {
  model: z.string(),
  raw: z.string(),
  thinking: z.string(),
  done_reason: z.nullable(z.string()),
  stats: z.strictObject({
    prompt_tokens: z.nullable(z.number()),
    completion_tokens: z.nullable(z.number()),
    total_duration_ns: z.nullable(z.number()),
  }),
};

export const PlanResponse = z.strictObject({
  schema_version: Version,
  revision: z.int().check(z.positive()),
  ...ReplyRecord,
  fixes: z.array(z.string()),
  parsed: z.unknown(),
  parse_error: z.nullable(z.string()),
  validation: z.strictObject({ ok: z.boolean(), errors: z.array(z.string()) }),
});
export type PlanResponse = z.infer<typeof PlanResponse>;

export const FixRecord = z.strictObject({
  kind: z.string(),
  file: z.nullable(z.string()),
  hunk: z.nullable(z.number()),
  detail: z.string(),
  before: z.string(),
  after: z.string(),
});

export const PatchValidationRecord = z.strictObject({
  ok: z.boolean(),
  base: z.string(),
  approved_patches: z.array(z.strictObject({ task: z.string(), sha256: Sha256 })),
  state_tree: z.nullable(z.string()),
  result_tree: z.nullable(z.string()),
  files: z.array(z.string()),
  errors: z.array(z.string()),
});
export type PatchValidationRecord = z.infer<typeof PatchValidationRecord>;

export const ExecResponse = z.strictObject({
  schema_version: Version,
  task: z.string(),
  attempt: z.int().check(z.positive()),
  ...ReplyRecord,
  normalization: z.strictObject({
    ok: z.boolean(),
    error: z.nullable(z.string()),
    refusal: z.nullable(
      z.strictObject({
        file: z.nullable(z.string()),
        hunk: z.nullable(z.number()),
        reason: z.string(),
        expected: z.nullable(z.string()),
        found: z.nullable(z.string()),
        closest: z.nullable(z.strictObject({ line: z.number(), text: z.string() })),
      }),
    ),
    fixes: z.array(FixRecord),
    files: z.array(z.strictObject({ oldPath: z.nullable(z.string()), newPath: z.nullable(z.string()), kind: z.string() })),
  }),
  /** Files the patch changes that the task did not declare: approve-task then needs --ack-undeclared. */
  undeclared_files: z.optional(z.array(z.string())),
  validation: PatchValidationRecord,
});
export type ExecResponse = z.infer<typeof ExecResponse>;

export const Approval = z.strictObject({
  schema_version: Version,
  decision: z.enum(['approved', 'rejected']),
  by: z.string(),
  at: z.string(),
  reason: z.nullable(z.string()),
  subject: z.strictObject({
    kind: z.enum(['plan', 'patch']),
    path: z.string(),
    sha256: Sha256,
    plan_revision: z.nullable(z.int().check(z.positive())),
    task: z.nullable(z.string()),
    attempt: z.nullable(z.int().check(z.positive())),
  }),
});
export type Approval = z.infer<typeof Approval>;

/**
 * One line of audit.log. `prev` chains the lines (src/store/audit-chain.ts): the sha256 of the
 * previous line's bytes, 64 zeros on the first line.
 */
export const AuditEntry = z.strictObject({
  prev: Sha256,
  time: z.string(),
  command: z.string(),
  args: z.record(z.string(), z.unknown()),
  outcome: z.enum(['ok', 'error']),
  error: z.optional(z.string()),
  warnings: z.optional(z.array(z.string())),
  artifacts: z.array(z.strictObject({ path: z.string(), sha256: Sha256 })),
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

import './zod.js';
import * as z from 'zod/mini';
import { Bool, PositiveInt, Text, Version } from './leaves.js';

/**
 * How the executor writes its change (docs/edit-formats.md): a unified diff, each changed file in
 * full, or SEARCH/REPLACE blocks. Whatever the format, what a person reviews is a unified diff.
 */
export const EDIT_FORMATS = ['diff', 'whole', 'search-replace'] as const;
export const EditFormat = z.enum(EDIT_FORMATS);
export type EditFormat = z.infer<typeof EditFormat>;

export const GenerationParams = z.strictObject({
  temperature: z.number().check(z.minimum(0)),
  seed: z.int(),
  top_k: z.int().check(z.minimum(0)),
  top_p: z.number().check(z.minimum(0), z.maximum(1)),
  repeat_penalty: z.number().check(z.minimum(0)),
  num_ctx: PositiveInt,
  num_predict: PositiveInt,
  think: Bool,
  /** The run's edit format; absent: diff. Never sent to the model server (only the prompts differ). */
  edit_format: z.optional(EditFormat),
});
export type GenerationParams = z.infer<typeof GenerationParams>;

/**
 * A path of the repository a check may need but that git does not hold (node_modules, .venv):
 * relative, inside the repository, never .git. Linked into the checks' copy, not copied.
 */
export const CheckLink = z.string().check(
  z.refine((value) => value !== '' && !value.startsWith('/') && !value.includes('\0') && !value.split('/').some((part) => part === '..' || part === '.' || part === '' || part === '.git'), {
    message: 'a check link is a relative path inside the repository, without "..", "." or .git',
  }),
);
/** A shell command a person declared (init --check, or the pack's checks), run with `sh -c`. */
export const CheckCommand = z.string().check(z.minLength(1), z.refine((value) => !value.includes('\0'), { message: 'a check holds no NUL byte' }));

const FormatPrompts = z.strictObject({
  executor_system: z.string().check(z.minLength(1)),
  executor_feedback: z.optional(z.string().check(z.minLength(1))),
});

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
    /**
     * The executor's prompts for the formats other than diff (executor_system and executor_feedback
     * above are the diff format's): the pack's own edit_format and each `run-task --edit-format`
     * take theirs from here.
     */
    edit_formats: z.optional(
      z.strictObject({
        whole: z.optional(FormatPrompts),
        'search-replace': z.optional(FormatPrompts),
      }),
    ),
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
      whole_file_bytes: z.optional(PositiveInt),
    }),
  ),
  /** Commands run on every validated patch, in a copy of the repository (src/core/run-checks.ts). */
  checks: z.optional(z.array(CheckCommand)),
  /** Repository paths linked into that copy, e.g. ["node_modules"]. */
  check_links: z.optional(z.array(CheckLink)),
});
export type PackManifest = z.infer<typeof PackManifest>;

/**
 * reply_hunks bounds the diff engine's work on one reply before it starts (its cost grows with the
 * number of hunks: 100,000 tiny ones took half a minute); a 7-14B model's num_predict cannot
 * reach the default honestly. repo_files: how many of the base commit's paths the planner is
 * sent; at about ten tokens a path, 500 take a third of the core pack's 16k context, leaving room
 * for the spec and the plan. whole_file_bytes: how large the task's existing files may be together
 * for a whole-file reply, which must write each of them out in full: 12 KiB is about 3,500 tokens,
 * what the core pack's num_predict (4096) leaves room for.
 */
export const DEFAULT_LIMITS = {
  spec_bytes: 256 * 1024,
  context_bytes: 512 * 1024,
  reply_bytes: 1024 * 1024,
  patch_bytes: 256 * 1024,
  reply_hunks: 2000,
  repo_files: 500,
  whole_file_bytes: 12 * 1024,
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

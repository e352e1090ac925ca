import './zod.js';
import * as z from 'zod/mini';
import { Bool, PositiveInt, Text, Version } from './leaves.js';

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
export const CheckLink = z.string().check(
  z.refine((value) => value !== '' && !value.startsWith('/') && !value.includes('\0') && !value.split('/').some((part) => part === '..' || part === '.' || part === '' || part === '.git'), {
    message: 'a check link is a relative path inside the repository, without "..", "." or .git',
  }),
);
/** A shell command a person declared (init --check, or the pack's checks), run with `sh -c`. */
export const CheckCommand = z.string().check(z.minLength(1), z.refine((value) => !value.includes('\0'), { message: 'a check holds no NUL byte' }));

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

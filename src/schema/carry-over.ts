import './zod.js';
import * as z from 'zod/mini';
import { NullableText, PositiveInt, Sha256, Text, Version } from './leaves.js';

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

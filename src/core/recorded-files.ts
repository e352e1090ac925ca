import { RunFileError } from '../errors.js';
import { Manifest } from '../schema/run-files.js';
import { readRecordedArtifacts } from '../store/recorded-artifacts.js';
import { sha256, type Run } from '../store/run-store.js';
import { MANIFEST } from './layout.js';
import type { z } from 'zod/mini';

/**
 * A decision counts only if the audit log records it: a file that could have been put in the run
 * by anything else (a patch applied to a working tree that holds runs/, a person, another
 * program) is not a decision just because it has the right name and shape. The rule is the same
 * for every file: it counts iff the last audit line naming it carries its current sha256.
 */
export type Recorded = ReadonlyMap<string, string>;

export function readRecorded(run: Run): Recorded {
  return readRecordedArtifacts(run);
}

/** Why the file at `rel` (with these bytes) is not what the log recorded, or null when it is. */
export function unrecordedReason(recorded: Recorded, rel: string, bytes: Buffer): string | null {
  const expected = recorded.get(rel);
  if (expected === undefined) return 'no audit.log line records it';
  const actual = sha256(bytes);
  return actual === expected ? null : `it hashes to ${actual.slice(0, 12)}, audit.log recorded ${expected.slice(0, 12)}`;
}

/** Any decision record (an approval, a carry-over): the value only if the log records the file as it is now. */
export function readCounted<T extends z.ZodMiniType>(run: Run, recorded: Recorded, rel: string, schema: T): { value: z.infer<T> | null; warning: string | null } {
  const bytes = run.readBytesIfPresent(rel);
  if (bytes === null) return { value: null, warning: null };
  const reason = unrecordedReason(recorded, rel, bytes);
  if (reason !== null) {
    return { value: null, warning: `${rel} is not counted as a decision: ${reason}; run \`verify --run ${run.id}\` to see what else changed` };
  }
  return { value: run.parseJson(rel, bytes.toString('utf8'), schema), warning: null };
}

/**
 * A document the run is steered by (the manifest, the context allowlist), used only as the audit
 * log recorded it: parsed first (a file that is not one at all is best reported as that), then
 * refused in one line naming verify if it is not the version the log recorded.
 */
export function readRecordedJson<T extends z.ZodMiniType>(run: Run, rel: string, schema: T, recorded: Recorded = readRecorded(run)): z.infer<T> {
  const bytes = run.readBytes(rel);
  const value = run.parseJson(rel, bytes.toString('utf8'), schema);
  const reason = unrecordedReason(recorded, rel, bytes);
  if (reason !== null) throw new RunFileError(`${rel} of run ${run.id} is not used: ${reason}; run \`verify --run ${run.id}\``);
  return value;
}

/**
 * manifest.json says which server to call and whether a remote one is allowed: it is used only
 * as init recorded it. Checked before every use, so an edited base URL is never obeyed.
 */
export function readRecordedManifest(run: Run, recorded?: Recorded): Manifest {
  return readRecordedJson(run, MANIFEST, Manifest, recorded);
}

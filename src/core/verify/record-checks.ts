import path from 'node:path/posix';
import { RunFileError } from '../../errors.js';
import { Approval, Manifest } from '../../schema/run-files.js';
import { sha256, type Run } from '../../store/run-store.js';
import { MANIFEST, PACK_DIR, SPEC } from '../layout.js';
import { fail, pass, short, type Check } from './check.js';

const MANIFEST_CHECK = 'manifest sha256';
const APPROVAL = 'approval';

/** The manifest, or the reason it cannot be used; checks that need it are skipped without it. */
export function readManifest(run: Run): { manifest: Manifest | null; problem: string | null } {
  if (!run.exists(MANIFEST)) return { manifest: null, problem: 'missing' };
  try {
    return { manifest: run.readJson(MANIFEST, Manifest), problem: null };
  } catch (error) {
    return { manifest: null, problem: (error as Error).message };
  }
}

/** spec.md and every pack file against the sha256s the manifest recorded at init. */
export function manifestChecks(run: Run, manifest: Manifest | null, problem: string | null, files: string[]): Check[] {
  if (!manifest) return [fail(MANIFEST, MANIFEST_CHECK, `cannot check spec.md and the pack against it: ${problem}`)];
  const checks: Check[] = [];
  const compare = (rel: string, recorded: string): void => {
    if (!isInside(run, rel)) checks.push(fail(rel, MANIFEST_CHECK, `${MANIFEST} names a path outside the run`));
    else if (!run.exists(rel)) checks.push(fail(rel, MANIFEST_CHECK, `missing: ${MANIFEST} records sha256 ${short(recorded)}`));
    else {
      const actual = sha256(run.readBytes(rel));
      if (actual !== recorded) checks.push(fail(rel, MANIFEST_CHECK, `the file hashes to ${short(actual)}, ${MANIFEST} records ${short(recorded)}`));
    }
  };
  compare(SPEC, manifest.spec.sha256);
  const packFiles = Object.entries(manifest.pack.files).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name, recorded] of packFiles) compare(`${PACK_DIR}/${name}`, recorded);
  for (const file of files.filter((item) => item.startsWith(`${PACK_DIR}/`))) {
    if (!(file.slice(PACK_DIR.length + 1) in manifest.pack.files)) checks.push(fail(file, MANIFEST_CHECK, `not one of the pack files ${MANIFEST} records`));
  }
  if (checks.length === 0) checks.push(pass(MANIFEST, MANIFEST_CHECK, `${SPEC} and ${packFiles.length} pack file(s) match the sha256s it records`));
  return checks;
}

function isInside(run: Run, rel: string): boolean {
  try {
    run.exists(rel);
    return true;
  } catch (error) {
    if (error instanceof RunFileError) return false;
    throw error;
  }
}

export interface RecordedApproval {
  file: string;
  approval: Approval;
}

/** Approval files sit next to what they decide: plan.approval.json by plan.json, approval.json by artifacts/patch.diff. */
export function approvalFiles(files: string[]): string[] {
  return files.filter((file) => /^plan\/(rev-\d+\/)?plan\.approval\.json$/.test(file) || /^executions\/(rev-\d+\/)?[^/]+\/(attempt-\d+\/)?approval\.json$/.test(file));
}

function approvedPath(file: string): string {
  const dir = path.dirname(file);
  return path.basename(file) === 'plan.approval.json' ? `${dir}/plan.json` : `${dir}/artifacts/patch.diff`;
}

/**
 * Each approval must still name exactly the bytes it approved. Rejections are records of a
 * decision about something that may not even exist (a reply with no diff), so only approvals are
 * checked here; the approval files themselves are covered by the recorded-sha256 check.
 */
export function approvalChecks(run: Run, files: string[]): { checks: Check[]; approvals: RecordedApproval[] } {
  const checks: Check[] = [];
  const approvals: RecordedApproval[] = [];
  for (const file of approvalFiles(files)) {
    let approval: Approval;
    try {
      approval = run.readJson(file, Approval);
    } catch (error) {
      checks.push(fail(file, APPROVAL, `cannot be read: ${(error as Error).message}`));
      continue;
    }
    approvals.push({ file, approval });
    if (approval.decision !== 'approved') continue;
    const subject = approval.subject.path;
    const expected = approvedPath(file);
    if (subject !== expected) {
      checks.push(fail(file, APPROVAL, `approves ${subject}, but an approval in ${path.dirname(file)} can only approve ${expected}`));
    } else if (!run.exists(subject)) {
      checks.push(fail(subject, APPROVAL, `missing, though ${file} approved it (sha256 ${short(approval.subject.sha256)})`));
    } else {
      const actual = sha256(run.readBytes(subject));
      if (actual !== approval.subject.sha256) {
        checks.push(fail(subject, APPROVAL, `${file} approved sha256 ${short(approval.subject.sha256)}, the file now hashes to ${short(actual)}`));
      }
    }
  }
  const count = approvals.filter((item) => item.approval.decision === 'approved').length;
  if (checks.length === 0) checks.push(pass('approvals', APPROVAL, `${count} approval(s) still match the sha256 of what they approved`));
  return { checks, approvals };
}

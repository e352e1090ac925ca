/**
 * What verify's patch checks read from the run: the attempts (by their raw replies), the approved
 * patches in approval order, the periods carry-over records start, and the facts an attempt's
 * exec.response.json recorded — read loosely, since a damaged file is itself what a check reports.
 */
import path from 'node:path/posix';
import type { GitMemo } from '../../git/memo.js';
import { CarryOver, type Manifest } from '../../schema/run-files.js';
import { sha256, type Run } from '../../store/run-store.js';
import { attemptFiles } from '../layout.js';
import type { AuditRecord } from './audit-log.js';
import { short } from './check.js';
import type { RecordedApproval } from './record-checks.js';

export interface Attempt {
  task: string;
  files: ReturnType<typeof attemptFiles>;
  /** The reply as the model wrote it: patch.raw.diff, or reply.raw.txt for a whole or search-replace reply. */
  raw: string;
  /** The audit line that wrote it: when it ran, relative to the approvals. */
  line: number | null;
}

export interface ApprovedPatch {
  task: string;
  path: string;
  /** The audit line that wrote the approval. */
  line: number | null;
  text: string | null;
  /** The file is still the one approved; the approval check reports it when not. */
  intact: boolean;
}

export interface PatchCheckInput {
  run: Run;
  manifest: Manifest;
  repoRoot: string;
  record: AuditRecord | null;
  files: string[];
  approvals: RecordedApproval[];
  /** Shared with finding the repository: its reader is already running. */
  memo: GitMemo;
}

/**
 * The approvals in force, period by period: a plan approval with a carry-over record starts a new
 * period holding only what it carried over (in its recorded order), and the patch approvals after
 * it are added by approval time. A run whose revisions never carried anything is one period.
 */
export interface Epoch {
  /** The audit line of the approval that started it; 0 for the run's start. */
  line: number;
  carried: ApprovedPatch[];
  own: ApprovedPatch[];
}

export function approvalEpochs(input: PatchCheckInput): Epoch[] {
  const { run, record, files } = input;
  const epochs: Epoch[] = [{ line: 0, carried: [], own: [] }];
  for (const file of files.filter((item) => CARRY_OVER.test(item))) {
    const line = record?.writes.get(file)?.[0]?.line;
    // A record no audit line wrote carries nothing (the unrecorded check reports it).
    if (line === undefined) continue;
    let carryOver: CarryOver;
    try {
      carryOver = run.readJson(file, CarryOver);
    } catch {
      continue; // the carry-over check reports a record that cannot be read
    }
    const carried = carryOver.carried.map((item): ApprovedPatch => {
      const bytes = isInside(run, item.path) && run.exists(item.path) ? run.readBytes(item.path) : null;
      return { task: item.task, path: item.path, line, text: bytes?.toString('utf8') ?? null, intact: bytes !== null && sha256(bytes) === item.sha256 };
    });
    epochs.push({ line, carried, own: [] });
  }
  epochs.sort((a, b) => a.line - b.line);
  for (const item of approvedPatches(input)) {
    const epoch = item.line === null ? epochs.at(-1)! : [...epochs].reverse().find((candidate) => candidate.line < item.line!)!;
    epoch.own.push(item);
  }
  return epochs;
}

const CARRY_OVER = /^plan\/(rev-\d+\/)?plan\.carry-over\.json$/;

function isInside(run: Run, rel: string): boolean {
  try {
    run.exists(rel);
    return true;
  } catch {
    return false;
  }
}

export function attempts({ files, record }: PatchCheckInput): Attempt[] {
  const found: Attempt[] = [];
  for (const file of files) {
    const m = /^(executions(?:\/rev-\d+)?)\/([^/]+)\/(?:attempt-(\d+)\/)?artifacts\/(?:patch\.raw\.diff|reply\.raw\.txt)$/.exec(file);
    if (!m) continue;
    const layout = attemptFiles(m[2]!, m[3] ? Number(m[3]) : 1, m[1]);
    if (layout.rawPatch !== file && layout.replyRaw !== file) continue;
    found.push({ task: m[2]!, files: layout, raw: file, line: record?.writes.get(file)?.[0]?.line ?? null });
  }
  return found.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.raw < b.raw ? -1 : 1));
}

export function approvedPatches({ run, record, approvals }: PatchCheckInput): ApprovedPatch[] {
  return approvals
    .filter(({ approval }) => approval.decision === 'approved' && approval.subject.kind === 'patch')
    // By code units, as run-task orders them (run-snapshot's approvedAttempts): not by locale.
    .sort((a, b) => byCodeUnits(a.approval.at, b.approval.at) || byCodeUnits(a.approval.subject.task ?? '', b.approval.subject.task ?? ''))
    .map(({ file, approval }) => {
      // The patch next to the approval, not the path it names: the approval check reports a
      // mismatch, and a tampered path must not lead outside the run.
      const patch = `${path.dirname(file)}/artifacts/patch.diff`;
      const bytes = run.exists(patch) ? run.readBytes(patch) : null;
      return {
        task: approval.subject.task ?? '?',
        path: patch,
        line: record?.writes.get(file)?.[0]?.line ?? null,
        text: bytes?.toString('utf8') ?? null,
        intact: bytes !== null && sha256(bytes) === approval.subject.sha256,
      };
    });
}

export function looseJson(run: Run, rel: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(run.readText(rel));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** exec.response.json's validation.approved_patches, each as its task and the first 12 digits of its sha256, or null when unreadable. */
export function recordedApprovedPatches(response: Record<string, unknown> | null): Array<{ task: string; sha256: string }> | null {
  const list = (response?.['validation'] as { approved_patches?: unknown } | undefined)?.approved_patches;
  if (!Array.isArray(list)) return null;
  return list.map((item: { task?: unknown; sha256?: unknown }) => ({ task: String(item?.task), sha256: short(String(item?.sha256)) }));
}

export interface RecordedTrees {
  state: string;
  result: string;
}

/** The trees a validated attempt recorded (exec.response.json's validation), or null. */
export function recordedTrees(response: Record<string, unknown> | null): RecordedTrees | null {
  const validation = response?.['validation'] as { ok?: unknown; state_tree?: unknown; result_tree?: unknown } | undefined;
  if (validation?.ok !== true || typeof validation.state_tree !== 'string' || typeof validation.result_tree !== 'string') return null;
  return { state: validation.state_tree, result: validation.result_tree };
}

/**
 * The files the executor was shown, as the attempt recorded them; null for an attempt recorded
 * before the list was kept, which is repaired as it was then, with every file visible.
 */
export function recordedContextFiles(response: Record<string, unknown> | null): string[] | null {
  const list = response?.['context_files'];
  return Array.isArray(list) && list.every((item) => typeof item === 'string') ? list : null;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { GitMemo } from '../../git/memo.js';
import type { EditFormat, ExecResponse } from '../../schema/run-files.js';
import { convertAndValidate, type ConvertedPatch } from '../convert-reply.js';
import type { RepairedPatch } from '../repair-and-validate.js';

export type ConversionRecord = NonNullable<ExecResponse['conversion']>;

/**
 * An attempt's whole-file or SEARCH/REPLACE reply to the patch a person may approve: converted
 * against the files the executor was shown, as they are at base + approved patches, then checked
 * as any diff is (convert-reply.ts, the same path check-patch takes). run-task and verify both
 * call this, so verify gets the same patch.diff byte for byte, and the same record.
 */
export async function convertAttemptReply(
  repoRoot: string,
  base: string,
  approvedPatches: string[],
  reply: string,
  format: Exclude<EditFormat, 'diff'>,
  repoName: string,
  memo: GitMemo | undefined,
  /** The files the executor was shown; a reply may change no other existing file. */
  visible: readonly string[],
): Promise<RepairedPatch & { conversion: ConversionRecord }> {
  const converted = await convertAndValidate(repoRoot, base, approvedPatches, format, reply, repoName, memo, visible);
  return { ...converted, conversion: conversionRecord(converted) };
}

/** What exec.response.json keeps of a conversion: its steps, and where and why it was refused. */
function conversionRecord({ conversion }: ConvertedPatch): ConversionRecord {
  const steps = conversion.steps.map((step) => ({ fix: step.fix, message: step.message, path: step.path ?? null, line: step.line ?? null }));
  if (conversion.ok) return { ok: true, reason: null, path: null, line: null, steps, files: conversion.files };
  return { ok: false, reason: conversion.reason, path: conversion.path ?? null, line: conversion.line ?? null, steps, files: [] };
}

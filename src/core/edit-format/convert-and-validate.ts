import { convertReply, replyPathsNeeded, type ConversionResult } from '../../diff/edit-formats/index.js';
import type { RepairOutcome } from '../../diff/engine.js';
import { checkPatchPath } from '../../diff/paths.js';
import { withGitMemo, type GitMemo } from '../../git/memo.js';
import { readBlobs } from '../../git/read-blobs.js';
import { buildStateTree } from '../../git/state-tree.js';
import type { EditFormat, ExecResponse } from '../../schema/run-files.js';
import { hiddenFileRefusal, repairAndValidate, type RepairedPatch } from '../repair-and-validate.js';

export type ConversionRecord = NonNullable<ExecResponse['conversion']>;

export interface ConvertedPatch extends RepairedPatch {
  conversion: ConversionRecord;
}

/**
 * The path from a whole-file or SEARCH/REPLACE reply to a patch a person may approve: the reply is
 * turned into a unified diff against the files the executor was shown, as they are at base +
 * approved patches, and that diff then goes the way every diff goes (engine, policy, git), so
 * nothing a diff reply may not do gets in through another format. verify calls this again and must
 * get the same patch.diff, byte for byte.
 */
export async function convertAndValidate(
  repoRoot: string,
  base: string,
  approvedPatches: string[],
  reply: string,
  format: Exclude<EditFormat, 'diff'>,
  repoName: string,
  memo: GitMemo | undefined,
  /** The repository files the executor was shown: the only ones whose content the conversion reads. */
  visible: readonly string[],
): Promise<ConvertedPatch> {
  return withGitMemo(memo, async (m) => {
    const state = approvedPatches.length === 0 ? base : await buildStateTree(repoRoot, base, approvedPatches, m);
    const shownSet = new Set(visible);
    // The paths the reply names are read too, only to know which exist: a file the executor was not
    // shown must be refused as one, not taken for a new file, and nothing of it is handed over.
    const named = replyPathsNeeded(format, reply).filter((file) => !/[\n\r\0]/.test(file) && checkPatchPath(file) === null && !shownSet.has(file));
    const blobs = await readBlobs(repoRoot, state, [...visible, ...named], m);
    const texts = new Map<string, string>();
    const binary = new Set<string>();
    const hiddenExisting = new Set<string>();
    for (const [file, bytes] of blobs) {
      if (bytes === null) continue;
      if (!shownSet.has(file)) {
        hiddenExisting.add(file);
        continue;
      }
      const text = bytes.toString('utf8');
      // Lines of a file that is not UTF-8 cannot be written back byte for byte from their text.
      if (Buffer.from(text, 'utf8').equals(bytes)) texts.set(file, text);
      else binary.add(file);
    }
    const readFile = (file: string): string | undefined => (hiddenExisting.has(file) ? '' : texts.get(file));
    const hidden = (file: string): string | null => (hiddenExisting.has(file) ? `${file}: ${hiddenFileRefusal(file)}` : null);
    const result: ConversionResult = convertReply(format, reply, readFile, { hidden });
    if (!result.ok) return refused(record(result), located(result.reason, result.path, result.line));

    const conversion = record(result);
    for (const file of result.files) {
      const unsafe = checkPatchPath(file);
      if (unsafe !== null) return refused({ ...conversion, ok: false }, `${file} ${unsafe}`);
      if (binary.has(file)) return refused({ ...conversion, ok: false }, `${file} is not UTF-8 text, so a ${format} reply cannot be turned into its diff: run the task with \`--edit-format diff\``);
    }
    // The converter refuses a hidden file itself; a path it resolved to some other name is caught here.
    const unseen = result.files.filter((file) => !texts.has(file) && !shownSet.has(file));
    if (unseen.length > 0) {
      const existing = await readBlobs(repoRoot, state, unseen, m);
      const found = unseen.find((file) => existing.get(file) instanceof Buffer);
      if (found !== undefined) return refused({ ...conversion, ok: false }, `${found}: ${hiddenFileRefusal(found)}`);
    }
    const repaired = await repairAndValidate(repoRoot, base, approvedPatches, result.diff, repoName, m, visible);
    return { ...repaired, conversion };
  });
}

function record(result: ConversionResult): ConversionRecord {
  const steps = result.steps.map((step) => ({ fix: step.fix, message: step.message, path: step.path ?? null, line: step.line ?? null }));
  if (result.ok) return { ok: true, reason: null, path: null, line: null, steps, files: result.files };
  return { ok: false, reason: result.reason, path: result.path ?? null, line: result.line ?? null, steps, files: [] };
}

/** The refusal in one line, saying where (the file, the reply's line): a person and the next attempt's model both need the place. */
function located(reason: string, file: string | undefined, line: number | undefined): string {
  const at = line === undefined || /\bline \d/.test(reason) ? reason : `${reason} (line ${line} of the reply)`;
  return file === undefined || at.includes(file) ? at : `${file}: ${at}`;
}

function refused(record: ConversionRecord, error: string): ConvertedPatch {
  // Converted, then refused (an unsafe path, a hidden file): the record says so, and why.
  const conversion = record.reason === null ? { ...record, reason: error } : record;
  const outcome: RepairOutcome = { ok: false, diff: '', notes: '', fixes: [], files: [], expected: [], error, refusal: null };
  return { outcome, validation: null, error, conversion };
}

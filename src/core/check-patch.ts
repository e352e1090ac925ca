import { isUtf8 } from 'node:buffer';
import { readPersonFile } from '../files/person-files.js';
import { fileProblem } from './person-feedback.js';
import { OrchestratorError } from '../errors.js';
import { EMPTY_TREE, headCommit, resolveRevision } from '../git/repository.js';
import type { ConversionResult, EditFormat } from '../diff/edit-formats/index.js';
import { convertAndValidate } from './convert-reply.js';
import { repairAndValidate, type RepairedPatch } from './repair-and-validate.js';
import { outsideRunsDir } from './runs-dir-policy.js';
import { openStore } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface CheckPatchOptions {
  /** A file path, or '-' for standard input. */
  input: string;
  base?: string;
  /** The reply's edit format: a diff (default), whole files, or SEARCH/REPLACE blocks converted to one. */
  format?: EditFormat;
  readStdin(): Buffer;
}

export interface CheckPatchResult extends RepairedPatch {
  repository: string;
  base: string;
  format: EditFormat;
  /** How a whole-file or SEARCH/REPLACE reply became the diff; null for a diff. */
  conversion: ConversionResult | null;
  /** The repaired diff's bytes when they are the input's own (a diff that needed no change): written as read, not encoded again. */
  diffBytes: Buffer | null;
}

/** `check-patch`: the run-task engine for any diff from any tool, against a revision of the repository. */
export async function checkPatch(env: WorkflowEnv, options: CheckPatchOptions): Promise<CheckPatchResult> {
  const { repoRoot, store } = await openStore(env);
  const base = options.base ? await resolveRevision(repoRoot, options.base) : ((await headCommit(repoRoot)) ?? EMPTY_TREE);
  const input = readInput(env, options);
  const reply = input.toString('utf8');
  const format = options.format ?? 'diff';
  if (format !== 'diff') {
    const converted = await convertAndValidate(repoRoot, base, [], format, reply);
    const result = outsideRunsDir(converted, repoRoot, store.runsDir);
    return { ...result, repository: repoRoot, base, format, conversion: converted.conversion, diffBytes: null };
  }
  const result = outsideRunsDir(await repairAndValidate(repoRoot, base, [], reply), repoRoot, store.runsDir);
  // Valid UTF-8 decodes and encodes back to the same bytes; other input was changed by decoding.
  const asRead = result.outcome.diff === reply && isUtf8(input);
  return { ...result, repository: repoRoot, base, format, conversion: null, diffBytes: asRead ? input : null };
}

function readInput(env: WorkflowEnv, options: CheckPatchOptions): Buffer {
  if (options.input === '-') return options.readStdin();
  const file = readPersonFile(env.cwd, options.input);
  if (!file.ok) throw new OrchestratorError(`cannot read the diff ${options.input} (${fileProblem(file)}): pass a file, or - for standard input`);
  return file.bytes;
}

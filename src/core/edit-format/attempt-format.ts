import { OrchestratorError, UsageError, WorkflowError } from '../../errors.js';
import { readBlobs } from '../../git/read-blobs.js';
import { packForFormat, type Pack } from '../../pack/load-pack.js';
import { EDIT_FORMATS, packLimits, type EditFormat, type Manifest } from '../../schema/run-files.js';

/** `--edit-format` as a person typed it, checked (exit 2 when it names no format). */
export function parseEditFormat(value: string | undefined): EditFormat | undefined {
  if (value === undefined) return undefined;
  if (!(EDIT_FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--edit-format must be ${EDIT_FORMATS.slice(0, -1).join(', ')} or ${EDIT_FORMATS.at(-1)}, not "${value}"`);
  }
  return value as EditFormat;
}

/** The format of one attempt: `run-task --edit-format`, else the run's (its pack's generation.edit_format), else diff. */
export function attemptFormat(manifest: Manifest, option: EditFormat | undefined): EditFormat {
  return option ?? manifest.generation.edit_format ?? 'diff';
}

/**
 * The run's own pack as the executor sees it in `format`: its system prompt and feedback wording
 * come from the run's pack copy (prompts.edit_formats), never from the installed tool, so the
 * attempt's request is fixed by the run like every other.
 */
export function runPackFor(pack: Pack, format: EditFormat, runId: string): Pack {
  const view = packForFormat(pack, format);
  if (view !== null) return view;
  throw new WorkflowError(
    `run ${runId}'s prompt pack has no executor prompt for the ${format} format (prompts.edit_formats.${format} in its pack/manifest.json): start a new run whose pack has it with \`init --from ${runId} --edit-format ${format}\``,
  );
}

/**
 * A whole-file reply writes each file in full, so the task's files, as they are now, must fit what
 * the model can write: refused before the call, naming the formats that only write what changes.
 */
export async function checkWholeFileLimit(
  repoRoot: string,
  tree: string,
  files: readonly string[],
  pack: Pack,
  where: { runId: string; taskId: string },
): Promise<void> {
  const limit = packLimits(pack.manifest).whole_file_bytes;
  const blobs = await readBlobs(repoRoot, tree, files.filter((file) => file !== '' && !/[\n\r\0]/.test(file)));
  const sizes = [...blobs].flatMap(([file, bytes]) => (bytes === null ? [] : [{ file, bytes: bytes.length }]));
  const total = sizes.reduce((sum, item) => sum + item.bytes, 0);
  if (total <= limit) return;
  const each = sizes.map((item) => `${item.file} ${item.bytes}`).join(', ');
  const run = `run-task --run ${where.runId} --task ${where.taskId}`;
  throw new OrchestratorError(
    `${where.taskId}'s files are ${total} bytes together (${each}), over the pack's limits.whole_file_bytes (${limit} bytes) for a whole-file reply: run it with \`${run} --edit-format search-replace\` or \`${run} --edit-format diff\`, or raise limits.whole_file_bytes in the pack's manifest.json`,
  );
}

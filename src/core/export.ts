import path from 'node:path';
import { OrchestratorError } from '../errors.js';
import { discard, folderExists, outputTarget, placeNew, readOutput } from '../files/output-files.js';
import { writeRunArchive } from '../store/run-archive.js';
import { sha256 } from '../store/run-store.js';
import { readRecordedManifest } from './recorded-files.js';
import { openStoreAnywhere } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface ExportResult {
  out: string;
  files: number;
  bytes: number;
  sha256: string;
}

/**
 * The run as one .tar.gz whose entries are `<run_id>/<file>`, unpackable anywhere and accepted by
 * verify there. The same run always gives the same bytes: entries sorted, mtime fixed to the
 * run's creation, owner and group 0, mode 0644, gzip header without time or OS. That is also why
 * export writes no audit line: the run it archives would change with every export.
 */
export async function exportRun(env: WorkflowEnv, options: { run: string; out: string }): Promise<ExportResult> {
  const { store } = await openStoreAnywhere(env);
  const run = store.openRun(options.run);
  const manifest = readRecordedManifest(run);
  const out = path.resolve(env.cwd, options.out);
  const exists = `${options.out} already exists: export never overwrites a file; choose another --out`;
  if (outputTarget(out) !== 'absent') throw new OrchestratorError(exists);
  if (!folderExists(out)) throw new OrchestratorError(`the folder of --out ${options.out} does not exist: create it first`);
  if (out.startsWith(run.dir + path.sep)) throw new OrchestratorError(`--out ${options.out} is inside the run it archives: write the archive elsewhere`);

  const { files, links } = run.listAllFiles();
  if (links.length > 0) throw new OrchestratorError(`run ${run.id} holds a symbolic link (${links[0]}): a run only holds files; remove it, or run verify to see what else changed`);

  const created = Date.parse(manifest.created_at);
  const mtime = new Date(Number.isNaN(created) ? 0 : Math.floor(created / 1000) * 1000);
  // Built next to --out, then linked into place: the archive appears whole or not at all, and an
  // --out created meanwhile is still never overwritten.
  const partial = `${out}.partial-${process.pid}`;
  try {
    await writeRunArchive(run, files, partial, mtime);
  } catch (error) {
    discard(partial);
    throw error;
  }
  if (!placeNew(partial, out)) throw new OrchestratorError(exists);
  const bytes = readOutput(out);
  return { out, files: files.length, bytes: bytes.length, sha256: sha256(bytes) };
}

import path from 'node:path';
import { OrchestratorError } from '../../errors.js';
import { fileHeadIncludes, folderExists, outputTarget, replaceOutput } from '../../files/output-files.js';
import { sha256 } from '../../store/run-store.js';
import { audited, openStoreAnywhere } from '../session.js';
import type { WorkflowEnv } from '../workflow-env.js';
import { collectReport } from './collect-report.js';
import { loadDiffRenderer } from './render-diff.js';
import { GENERATOR_MARK, renderReport } from './render-report.js';

export interface ReportOptions {
  run: string;
  /** The file to write; without it the caller prints `html`. */
  out?: string;
}

export interface ReportResult {
  html: string;
  /** The absolute path written, or null when the report goes to standard output. */
  out: string | null;
  bytes: number;
  sha256: string;
}

/**
 * The run as one self-contained HTML page for review in a browser. It never writes into the run
 * (a run is a write-once record that verify checks file by file): only its audit line, appended
 * after everything shown was read, so the same run state always gives the same bytes.
 */
export async function reportRun(env: WorkflowEnv, options: ReportOptions): Promise<ReportResult> {
  const { store } = await openStoreAnywhere(env);
  const run = store.openRun(options.run);
  const out = options.out === undefined ? null : path.resolve(env.cwd, options.out);
  if (out !== null) checkOut(out, options.out!, run.dir);

  const body = async (): Promise<ReportResult> => {
    const data = collectReport(run);
    const page = renderReport(data, await loadDiffRenderer());
    if (out !== null) await replaceOutput(out, page);
    return { html: page, out, bytes: Buffer.byteLength(page), sha256: sha256(page) };
  };
  // A run whose audit.log is gone gets no new one (that would start a fresh chain over a lost history).
  if (!run.exists('audit.log')) return body();
  return audited(run, env, 'report', { run: options.run, out: options.out }, body);
}

/**
 * Where --out may go: not into the run (verify would report an unrecorded file), and only over a
 * file that is itself a report, so regenerating is one command and nothing else is ever lost.
 */
function checkOut(out: string, asGiven: string, runDir: string): void {
  if (out === runDir || out.startsWith(runDir + path.sep)) {
    throw new OrchestratorError(`--out ${asGiven} is inside the run: a run holds only what its commands recorded (verify would report the file); write the report elsewhere`);
  }
  if (!folderExists(out)) throw new OrchestratorError(`the folder of --out ${asGiven} does not exist: create it first`);
  const target = outputTarget(out);
  if (target === 'absent') return;
  if (target !== 'file' || !fileHeadIncludes(out, GENERATOR_MARK)) {
    throw new OrchestratorError(`${asGiven} exists and is not a report written by llm-orchestrator: choose another --out, or remove it first`);
  }
}

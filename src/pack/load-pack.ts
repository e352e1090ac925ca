import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError } from '../errors.js';
import { PackManifest } from '../schema/run-files.js';
import { parseTemplate, type Template } from './template.js';

/**
 * The facts run-task supplies to the executor feedback template (prompts.executor_feedback).
 * Each may also name a section, kept only when the fact is there. There is deliberately no attempt
 * number: the same reply with the same failure must make the same request, which run-task refuses
 * to send again unless told to.
 */
export const EXECUTOR_FEEDBACK_VALUES = [
  'task',
  'failure',
  'expected_line',
  'excerpt_file',
  'excerpt_lines',
  'file_excerpt',
  'hidden_files',
  'rejection',
  'feedback',
  'check_output',
] as const;

export interface Pack {
  manifest: PackManifest;
  /** File name → exact bytes, for the manifest and each prompt; copied into the run as they are. */
  files: Map<string, Buffer>;
  plannerSystem: string;
  executorSystem: string;
  /** Null for a pack written before executor feedback existed: its runs send none. */
  executorFeedback: Template | null;
}

/** Reads a prompt pack from a folder (the shipped `packs/core`, or `--pack DIR`). */
export function loadPackFromDir(dir: string): Pack {
  const read = (name: string): Buffer => {
    const full = path.join(dir, name);
    try {
      if (!statSync(full).isFile()) throw new Error('not a file');
      return readFileSync(full);
    } catch {
      throw new OrchestratorError(`prompt pack ${dir} has no file ${name}: pass --pack with a folder holding manifest.json and its prompts`);
    }
  };
  return parsePack(read('manifest.json'), read, dir);
}

/** The same parsing for a pack read back from a run's `pack/` copy. */
export function parsePack(manifestBytes: Buffer, read: (name: string) => Buffer, where: string): Pack {
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new OrchestratorError(`${where}/manifest.json is not valid JSON: fix the pack manifest`);
  }
  const parsed = PackManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OrchestratorError(`${where}/manifest.json is not a valid pack manifest at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const manifest = parsed.data;
  const feedbackName = manifest.prompts.executor_feedback;
  for (const name of [manifest.prompts.planner_system, manifest.prompts.executor_system, ...(feedbackName ? [feedbackName] : [])]) {
    if (name !== path.basename(name)) throw new OrchestratorError(`pack prompt "${name}" must be a file name in the pack folder, not a path`);
  }
  const files = new Map<string, Buffer>([['manifest.json', manifestBytes]]);
  files.set(manifest.prompts.planner_system, read(manifest.prompts.planner_system));
  files.set(manifest.prompts.executor_system, read(manifest.prompts.executor_system));
  let executorFeedback: Template | null = null;
  if (feedbackName) {
    files.set(feedbackName, read(feedbackName));
    const parsed = parseTemplate(files.get(feedbackName)!.toString('utf8'), EXECUTOR_FEEDBACK_VALUES);
    if (typeof parsed === 'string') throw new OrchestratorError(`${where}/${feedbackName} is not a valid prompt template: ${parsed}; fix the pack`);
    executorFeedback = parsed;
  }
  return {
    manifest,
    files,
    plannerSystem: files.get(manifest.prompts.planner_system)!.toString('utf8'),
    executorSystem: files.get(manifest.prompts.executor_system)!.toString('utf8'),
    executorFeedback,
  };
}

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError } from '../errors.js';
import { PackManifest, type EditFormat } from '../schema/run-files.js';
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
  /** The executor's prompts for the other edit formats (prompts.edit_formats), by format. */
  formats: Partial<Record<Exclude<EditFormat, 'diff'>, ExecutorPrompts>>;
}

export interface ExecutorPrompts {
  executorSystem: string;
  executorFeedback: Template | null;
}

/**
 * The pack as the executor sees it in `format`: its system prompt and feedback wording are that
 * format's. Null when the pack has no prompts for it.
 */
export function packForFormat(pack: Pack, format: EditFormat): Pack | null {
  if (format === 'diff') return pack;
  const prompts = pack.formats[format];
  return prompts ? { ...pack, ...prompts } : null;
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

/** A pack's manifest.json alone, checked as parsePack checks it: for a caller that needs only its limits, without parsing every prompt template. */
export function parsePackManifest(manifestBytes: Buffer, where: string): PackManifest {
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new OrchestratorError(`${where}/manifest.json is not valid JSON: fix the pack manifest`);
  }
  const parsed = PackManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // zod's message says what the field should be; where to look for a manifest that is right is ours to say.
    throw new OrchestratorError(`${where}/manifest.json is not a valid pack manifest at ${issue?.path.join('.') || '(root)'}: ${issue?.message}; fix that field (the shipped packs/core/manifest.json shows every field)`);
  }
  return parsed.data;
}

/** The same parsing for a pack read back from a run's `pack/` copy. */
export function parsePack(manifestBytes: Buffer, read: (name: string) => Buffer, where: string): Pack {
  const manifest = parsePackManifest(manifestBytes, where);
  const feedbackName = manifest.prompts.executor_feedback;
  const formatPrompts = Object.entries(manifest.prompts.edit_formats ?? {}).filter((entry): entry is [Exclude<EditFormat, 'diff'>, { executor_system: string; executor_feedback?: string }] => entry[1] !== undefined);
  const names = [manifest.prompts.planner_system, manifest.prompts.executor_system, ...(feedbackName ? [feedbackName] : [])];
  for (const [, prompts] of formatPrompts) names.push(prompts.executor_system, ...(prompts.executor_feedback ? [prompts.executor_feedback] : []));
  for (const name of names) {
    if (name !== path.basename(name)) throw new OrchestratorError(`pack prompt "${name}" must be a file name in the pack folder, not a path: put the prompt in ${where} and name it by its file name in manifest.json`);
  }
  const files = new Map<string, Buffer>([['manifest.json', manifestBytes]]);
  for (const name of names) if (!files.has(name)) files.set(name, read(name));
  const text = (name: string): string => files.get(name)!.toString('utf8');
  const template = (name: string | undefined): Template | null => {
    if (!name) return null;
    const parsed = parseTemplate(text(name), EXECUTOR_FEEDBACK_VALUES);
    if (typeof parsed === 'string') throw new OrchestratorError(`${where}/${name} is not a valid prompt template: ${parsed}; fix the pack`);
    return parsed;
  };
  const formats: Pack['formats'] = {};
  for (const [format, prompts] of formatPrompts) formats[format] = { executorSystem: text(prompts.executor_system), executorFeedback: template(prompts.executor_feedback) };
  const own = manifest.generation.edit_format ?? 'diff';
  if (own !== 'diff' && !formats[own]) {
    throw new OrchestratorError(`${where}/manifest.json sets generation.edit_format to ${own} but has no prompts.edit_formats.${own}: add that format's executor prompt to the pack`);
  }
  return {
    manifest,
    files,
    plannerSystem: text(manifest.prompts.planner_system),
    executorSystem: text(manifest.prompts.executor_system),
    executorFeedback: template(feedbackName),
    formats,
  };
}

import type { ChatMessage } from '../model/types.js';
import type { Plan, PlanTask } from '../schema/plan.js';
import type { EditFormat } from '../schema/pack-manifest.js';

/**
 * The user messages around the pack's fixed system prompts. Nothing here may depend on the
 * time, the run id or an absolute path: the same inputs must give byte-identical requests.
 */
export function plannerMessages(system: string, spec: string, repositoryFiles: string, schema: Record<string, unknown>): ChatMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: `${specSection(spec)}\n\n${repositorySection(repositoryFiles)}\n\n${schemaSection(schema)}` },
  ];
}

/** What the next revision starts from: a plan that validated, or a reply that did not and why. */
export type PreviousRevision = { plan: Plan } | { raw: string; errors: string[] };

/** Validation errors listed back to the model; past this many, counted. */
const MAX_ERRORS_SHOWN = 20;

/**
 * A revision is the original exchange plus the person's feedback, so the model sees what it wrote:
 * the plan in force, or its own reply that did not validate, as it was, with what was wrong.
 */
export function revisionMessages(
  system: string,
  spec: string,
  repositoryFiles: string,
  schema: Record<string, unknown>,
  previous: PreviousRevision,
  feedback: string,
): ChatMessage[] {
  const asked = plannerMessages(system, spec, repositoryFiles, schema);
  if ('plan' in previous) {
    return [
      ...asked,
      { role: 'assistant', content: JSON.stringify(previous.plan, null, 2) },
      {
        role: 'user',
        content: `A reviewer asked for changes to this plan:\n\n${feedback.trim()}\n\nReply with the complete revised plan as JSON matching the same schema, nothing else.`,
      },
    ];
  }
  const errors = previous.errors.slice(0, MAX_ERRORS_SHOWN).map((error) => `- ${error}`);
  if (previous.errors.length > MAX_ERRORS_SHOWN) errors.push(`- … and ${previous.errors.length - MAX_ERRORS_SHOWN} more`);
  return [
    ...asked,
    { role: 'assistant', content: previous.raw },
    {
      role: 'user',
      content: `Your reply is not a valid plan:\n\n${errors.join('\n')}\n\nA reviewer adds:\n\n${feedback.trim()}\n\nReply with the complete plan as JSON matching the same schema, nothing else.`,
    },
  ];
}

export interface ContextFile {
  path: string;
  content: string;
}

/**
 * `unseen`: files the task names that exist at the run's current state but are not in the context.
 * The model must not be told they are new: it would write them as new files, which cannot apply.
 */
export function executorMessages(system: string, task: PlanTask, context: ContextFile[], unseen: readonly string[] = [], format: EditFormat = 'diff'): ChatMessage[] {
  const lines = [
    `# Task ${task.id}: ${task.title}`,
    '',
    task.description.trim(),
    '',
    '## Files to create or change',
    ...task.files.map((file) => `- ${file}`),
    '',
    '## Acceptance',
    ...task.acceptance.map((item) => `- ${item}`),
    '',
    '## Repository files you can see',
  ];
  if (context.length === 0) lines.push('', unseen.length === 0 ? '(none: every file you change is new)' : '(none)');
  for (const file of context) lines.push('', `### ${file.path}`, ...fenced(file.content.replace(/\n$/, '')));
  if (unseen.length > 0) lines.push('', `These files of the task exist, but you are not shown them: ${unseen.join(', ')}. Do not write them as new files.`);
  lines.push('', REPLY_SHAPE[format]);
  return [
    { role: 'system', content: system },
    { role: 'user', content: lines.join('\n') + '\n' },
  ];
}

/** The task's last line: the reply's shape, repeated where a small model reads it last. */
const REPLY_SHAPE: Record<EditFormat, string> = {
  diff: 'Reply with one unified diff (git format, paths prefixed a/ and b/) that carries out the task. No explanation.',
  whole: 'Reply with each file you change: its path on a line, then its complete new content in a fenced code block, every line of it. No explanation.',
  'search-replace': 'Reply with SEARCH/REPLACE blocks (the path on a line, then <<<<<<< SEARCH, the exact lines, =======, the new lines, >>>>>>> REPLACE) that carry out the task. No explanation.',
};

/**
 * A file's text between fences of more backticks than any run inside it (CommonMark closes a fence
 * only with at least as many), so no line of the file can end the block and pass for the prompt's
 * own headings or instructions.
 */
export function fenced(text: string): [string, string, string] {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, text, fence];
}

function specSection(spec: string): string {
  return `# Specification\n\n${spec.trim()}`;
}

function repositorySection(files: string): string {
  return `# Repository files\n\n${files}`;
}

function schemaSection(schema: Record<string, unknown>): string {
  return `# Output\n\nReply with one JSON object matching this JSON Schema, nothing else:\n\n${JSON.stringify(schema)}`;
}

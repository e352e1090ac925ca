import type { ControlFinding } from '../diff/added-controls.js';
import { visibleLine as line, visibleText as text } from '../visible-text.js';
import type { Plan, PlanTask } from '../schema/plan.js';
import type { ExecResponse } from '../schema/run-files.js';
import { fenced } from './prompts.js';

/**
 * Markdown views, derived from the canonical JSON after it validated; never read back. Every
 * string from the model or a file is shown with its control characters escaped (src/visible-text.ts):
 * a view is read in a terminal or an editor, where they could hide a line.
 */
export function renderPlanMarkdown(plan: Plan, revision: number, planSha256: string, fileWarnings: readonly string[] = []): string {
  const lines = [`# Plan (revision ${revision})`, '', text(plan.summary.trim()), '', `plan.json sha256: \`${planSha256}\``];
  if (fileWarnings.length > 0) lines.push('', '## Warnings', '', ...fileWarnings.map((warning) => `- ${line(warning)}`));
  for (const milestone of plan.milestones) {
    lines.push('', `## ${line(milestone.id)}: ${line(milestone.title)}`);
    for (const task of milestone.tasks) lines.push('', ...renderTask(task));
  }
  return lines.join('\n') + '\n';
}

function renderTask(task: PlanTask): string[] {
  return [
    `### ${line(task.id)}: ${line(task.title)}`,
    '',
    text(task.description.trim()),
    '',
    `- Files: ${task.files.map((file) => `\`${line(file)}\``).join(', ')}`,
    `- Depends on: ${task.depends_on.length > 0 ? line(task.depends_on.join(', ')) : 'nothing'}`,
    '- Acceptance:',
    ...task.acceptance.map((item) => `  - ${line(item)}`),
  ];
}

export function renderExecMarkdown(task: PlanTask, response: ExecResponse, checks: ReadonlyArray<{ command: string; passed: boolean; verdict: string; duration_ms: number; log: string; tail: string }> = []): string {
  const { normalization, validation } = response;
  const lines = [
    `# ${line(task.id)}: ${line(task.title)} (attempt ${response.attempt})`,
    '',
    `- Model: ${line(response.model)}`,
    ...(response.edit_format ? [`- Edit format: ${response.edit_format} (the reply is artifacts/reply.raw.txt; patch.diff is computed from it)`] : []),
    `- Diff found: ${normalization.ok ? 'yes' : `no (${line(String(normalization.error))})`}`,
    `- Validation: ${validation.ok ? `passes against ${validation.base.slice(0, 12)} + ${validation.approved_patches.length} approved patch(es)` : 'fails'}`,
  ];
  for (const error of validation.errors) lines.push(`  - ${line(error)}`);
  const controls = response.control_characters ?? [];
  if (controls.length > 0) {
    lines.push('', '## Warning: control characters in added lines', '', `${CONTROLS_WARNING}; they are shown escaped in patch.md:`, '');
    for (const found of controls) lines.push(`- \`${line(found.file)}\` line ${found.line}: ${found.characters.map((char) => `\`${char}\``).join(', ')}`);
  }
  if (response.checks_skipped) lines.push('', '## Checks', '', response.checks_skipped === 'no-checks' ? 'Not run (`run-task --no-checks`).' : 'Not run: interrupted.');
  if (checks.length > 0) {
    lines.push('', '## Checks', '');
    for (const check of checks) {
      lines.push(`- ${check.passed ? '✅' : '❌'} \`${line(check.command)}\`: ${line(check.verdict)} in ${(check.duration_ms / 1000).toFixed(1)} s ([${line(check.log.split('/').pop()!)}](artifacts/${line(check.log.split('/').pop()!)}))`);
      // Indented, so the output belongs to its list item.
      if (!check.passed) lines.push('', ...fenced(text(check.tail)).join('\n').split('\n').map((item) => `  ${item}`), '');
    }
  }
  if (response.feedback) lines.push(...renderFeedback(response.feedback));
  if (response.conversion) lines.push(...renderConversion(response.conversion));
  lines.push('', '## Fixes made to the reply', '');
  if (normalization.fixes.length === 0) lines.push('None: the diff is exactly as the model wrote it.');
  for (const fix of normalization.fixes) {
    const where = [fix.file, fix.hunk === null ? null : `hunk ${fix.hunk}`].filter(Boolean).join(', ');
    lines.push(`- **${line(fix.kind)}**${where ? ` (${line(where)})` : ''}: ${line(fix.detail)}`);
  }
  lines.push('', '## Files', '');
  for (const file of normalization.files) lines.push(`- ${line(file.kind)}: \`${line(file.newPath ?? file.oldPath ?? '')}\``);
  return lines.join('\n') + '\n';
}

/** How a whole or search-replace reply became the diff, step by step, or where it was refused. */
function renderConversion(conversion: NonNullable<ExecResponse['conversion']>): string[] {
  const lines = ['', '## Conversion of the reply to a diff', ''];
  const where = (file: string | null, at: number | null): string => (file === null ? '' : ` (\`${line(file)}\`${at === null ? '' : ` line ${at}`})`);
  if (!conversion.ok) lines.push(`Refused${where(conversion.path, conversion.line)}: ${line(conversion.reason ?? '')}`, '');
  if (conversion.steps.length === 0) lines.push(conversion.ok ? 'No step beyond reading the reply: it was exactly in the format.' : 'No step was taken before the refusal.');
  for (const step of conversion.steps) lines.push(`- **${line(step.fix)}**${where(step.path, step.line)}: ${line(step.message)}`);
  return lines;
}

/** What the request told the model about the previous attempt, besides re-sending its reply. */
function renderFeedback(feedback: NonNullable<ExecResponse['feedback']>): string[] {
  const lines = ['', '## Feedback sent with this attempt', '', `The model was shown its reply of attempt ${feedback.previous_attempt}, then:`];
  // Escaped like every view (the reviewer's reason and the model's expected line are hostile text).
  const block = (title: string, body: string): void => {
    lines.push('', `${title}:`, '', ...fenced(text(body.replace(/\n$/, ''))));
  };
  const { failure } = feedback;
  if (failure) {
    if (failure.errors.length > 0) block('- Why it could not be used', failure.errors.join('\n'));
    if (failure.expected_line !== null) block('- The line its diff expected', failure.expected_line);
    if (failure.excerpt) block(`- Lines ${failure.excerpt.first_line}-${failure.excerpt.last_line} of \`${line(failure.excerpt.file)}\``, failure.excerpt.text);
    if (failure.hidden_files.length > 0) {
      lines.push('', `- It failed on ${failure.hidden_files.map((file) => `\`${line(file)}\``).join(', ')}, not in the executor's context: only the name was sent.`);
    }
  }
  if (feedback.rejection !== null) block("- The reviewer's reason", feedback.rejection);
  if (feedback.person !== null) block('- Feedback given with run-task', feedback.person);
  if (feedback.check_output !== null) block("- The end of a failed check's output", feedback.check_output);
  return lines;
}

export function renderPatchMarkdown(taskId: string, patch: string, patchSha256: string): string {
  const fence = patch.includes('```') ? '~~~~' : '```';
  return `# Patch for ${line(taskId)}\n\npatch.diff sha256: \`${patchSha256}\`\n\n${fence}diff\n${text(patch.replace(/\n$/, ''))}\n${fence}\n`;
}

const CONTROLS_WARNING = 'added lines hold control characters, which a terminal acts on instead of showing (they can hide or rewrite what is shown)';

/** The warning about control characters in added lines, in one line: where (the first few) and which. */
export function describeControls(controls: ControlFinding[]): string {
  const shown = controls.slice(0, 5).map((found) => `${found.file} line ${found.line} (${found.characters.join(' ')})`);
  const more = controls.length > shown.length ? `, and ${controls.length - shown.length} more line(s)` : '';
  return `${CONTROLS_WARNING}: ${shown.join(', ')}${more}`;
}

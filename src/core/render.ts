import type { Plan, PlanTask } from '../schema/plan.js';
import type { ExecResponse } from '../schema/run-files.js';

/** Markdown views, derived from the canonical JSON after it validated; never read back. */
export function renderPlanMarkdown(plan: Plan, revision: number, planSha256: string): string {
  const lines = [`# Plan (revision ${revision})`, '', plan.summary.trim(), '', `plan.json sha256: \`${planSha256}\``];
  for (const milestone of plan.milestones) {
    lines.push('', `## ${milestone.id}: ${milestone.title}`);
    for (const task of milestone.tasks) lines.push('', ...renderTask(task));
  }
  return lines.join('\n') + '\n';
}

function renderTask(task: PlanTask): string[] {
  return [
    `### ${task.id}: ${task.title}`,
    '',
    task.description.trim(),
    '',
    `- Files: ${task.files.map((file) => `\`${file}\``).join(', ')}`,
    `- Depends on: ${task.depends_on.length > 0 ? task.depends_on.join(', ') : 'nothing'}`,
    '- Acceptance:',
    ...task.acceptance.map((item) => `  - ${item}`),
  ];
}

export function renderExecMarkdown(task: PlanTask, response: ExecResponse): string {
  const { normalization, validation } = response;
  const lines = [
    `# ${task.id}: ${task.title} (attempt ${response.attempt})`,
    '',
    `- Model: ${response.model}`,
    `- Diff found: ${normalization.ok ? 'yes' : `no (${normalization.error})`}`,
    `- Validation: ${validation.ok ? `passes against ${validation.base.slice(0, 12)} + ${validation.approved_patches.length} approved patch(es)` : 'fails'}`,
  ];
  for (const error of validation.errors) lines.push(`  - ${error}`);
  if (response.feedback) lines.push(...renderFeedback(response.feedback));
  lines.push('', '## Fixes made to the reply', '');
  if (normalization.fixes.length === 0) lines.push('None: the diff is exactly as the model wrote it.');
  for (const fix of normalization.fixes) {
    const where = [fix.file, fix.hunk === null ? null : `hunk ${fix.hunk}`].filter(Boolean).join(', ');
    lines.push(`- **${fix.kind}**${where ? ` (${where})` : ''}: ${fix.detail}`);
  }
  lines.push('', '## Files', '');
  for (const file of normalization.files) lines.push(`- ${file.kind}: \`${file.newPath ?? file.oldPath}\``);
  return lines.join('\n') + '\n';
}

/** What the request told the model about the previous attempt, besides re-sending its reply. */
function renderFeedback(feedback: NonNullable<ExecResponse['feedback']>): string[] {
  const lines = ['', '## Feedback sent with this attempt', '', `The model was shown its reply of attempt ${feedback.previous_attempt}, then:`];
  const block = (title: string, text: string): void => {
    lines.push('', `${title}:`, '', ...fenced(text));
  };
  const { failure } = feedback;
  if (failure) {
    if (failure.errors.length > 0) block('- Why it could not be used', failure.errors.join('\n'));
    if (failure.expected_line !== null) block('- The line its diff expected', failure.expected_line);
    if (failure.excerpt) block(`- Lines ${failure.excerpt.first_line}-${failure.excerpt.last_line} of \`${failure.excerpt.file}\``, failure.excerpt.text);
    if (failure.hidden_files.length > 0) {
      lines.push('', `- It failed on ${failure.hidden_files.map((file) => `\`${file}\``).join(', ')}, not in the executor's context: only the name was sent.`);
    }
  }
  if (feedback.rejection !== null) block("- The reviewer's reason", feedback.rejection);
  if (feedback.person !== null) block('- Feedback given with run-task', feedback.person);
  if (feedback.check_output !== null) block("- The end of a failed check's output", feedback.check_output);
  return lines;
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(text: string): string[] {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, text.replace(/\n$/, ''), fence];
}

export function renderPatchMarkdown(taskId: string, patch: string, patchSha256: string): string {
  const fence = patch.includes('```') ? '~~~~' : '```';
  return `# Patch for ${taskId}\n\npatch.diff sha256: \`${patchSha256}\`\n\n${fence}diff\n${patch.replace(/\n$/, '')}\n${fence}\n`;
}

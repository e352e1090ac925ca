import type { Plan, PlanTask } from '../schema/plan.js';
import type { ExecResponse } from '../schema/run-files.js';

/** Markdown views, derived from the canonical JSON after it validated; never read back. */
export function renderPlanMarkdown(plan: Plan, revision: number, planSha256: string, fileWarnings: readonly string[] = []): string {
  const lines = [`# Plan (revision ${revision})`, '', plan.summary.trim(), '', `plan.json sha256: \`${planSha256}\``];
  if (fileWarnings.length > 0) lines.push('', '## Warnings', '', ...fileWarnings.map((warning) => `- ${warning}`));
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

export function renderPatchMarkdown(taskId: string, patch: string, patchSha256: string): string {
  const fence = patch.includes('```') ? '~~~~' : '```';
  return `# Patch for ${taskId}\n\npatch.diff sha256: \`${patchSha256}\`\n\n${fence}diff\n${patch.replace(/\n$/, '')}\n${fence}\n`;
}

import { addedLineControls } from '../../diff/added-controls.js';
import type { Plan } from '../../schema/plan.js';
import { visibleText } from '../../visible-text.js';
import type { Approval, ExecResponse } from '../../schema/run-files.js';
import type { AttemptFacts, RevisionFacts } from '../run-snapshot.js';
import type { ApprovalRow, AuditLine, LatestAttempt, ReportData, TaskReport } from './collect-report.js';
import { anchor, html, trusted, type Html } from './html.js';
import type { DiffRenderer } from './render-diff.js';
import { REPORT_CSS } from './report-css.js';

/** Marks a file as a report this tool wrote: only such a file is ever replaced by `--out`. */
export const GENERATOR_MARK = '<meta name="generator" content="llm-orchestrator report">';

/**
 * No script may run and nothing may be fetched, whatever got past the escaping: the page itself
 * needs only its inline styles.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

// Symbols are written as escapes: a character outside ASCII in a tagged template (html`...`) would
// stay as it is in the bundle, and a bundle that is not ASCII costs every command a slower decode
// at start (test/cli-code-cache.test.ts).
const short = (hash: string | null | undefined): string => (hash ? hash.slice(0, 12) : '\u2014');

/** The whole report as one HTML document: a pure function of the run's files, so byte-identical for the same run. */
export function renderReport(data: ReportData, diff: DiffRenderer): string {
  const { manifest, status } = data;
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
${trusted(GENERATOR_MARK)}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run ${manifest.run_id} \u00b7 llm-orchestrator report</title>
<style>${trusted(diff.css)}</style>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
<header class="top">
<h1>Run <code>${manifest.run_id}</code> ${stateBadge(status.state)}</h1>
${status.next.length > 0 ? html`<p class="next">Next: ${status.next.map((command, i) => html`${i > 0 ? ' or ' : ''}<code>${command}</code>`)}</p>` : ''}
${data.warnings.map((warning) => html`<p class="banner rejected">\u26a0 ${warning}</p>`)}
<nav><a href="#spec">Spec</a><a href="#plan">Plan</a><a href="#tasks">Tasks</a><a href="#patches">Patches</a><a href="#approvals">Approvals</a><a href="#audit">Audit log</a></nav>
</header>
<main>
${runFacts(data)}
<section id="spec"><h2>Spec</h2>
<p class="meta"><code>spec.md</code> \u00b7 copied from <code>${manifest.spec.file}</code> \u00b7 ${manifest.spec.bytes} bytes \u00b7 sha256 <code>${manifest.spec.sha256}</code></p>
<pre class="text">${data.spec}</pre>
</section>
${planSection(data.plan, data.revisions, status.plan_revision)}
${tasksSection(data.tasks)}
${patchesSection(data.tasks, diff)}
${approvalsSection(data.approvals)}
${auditSection(data.audit.lines)}
</main>
<footer>Made by <code>llm-orchestrator report</code> from the files of run <code>${manifest.run_id}</code>. This page runs no script and loads nothing; <code>llm-orchestrator verify --run ${manifest.run_id}</code> checks that the run is as recorded.</footer>
</body>
</html>
`;
  return page.value;
}

function stateBadge(state: string | null): Html {
  const text = state ?? 'plan not approved';
  return html`<span class="badge state-${state ?? 'none'}">${text}</span>`;
}

function runFacts(data: ReportData): Html {
  const { manifest } = data;
  const model = (role: 'planner' | 'executor'): Html => {
    const record = manifest.models[role];
    return html`<code>${record.name}</code> <span class="meta">digest <code>${short(record.digest)}</code>${record.parameter_size ? ` \u00b7 ${record.parameter_size}` : ''}${record.quantization_level ? ` \u00b7 ${record.quantization_level}` : ''}</span>`;
  };
  const last = data.audit.lines.at(-1);
  const chain = data.audit.chain;
  return html`<section id="run"><h2>Run</h2>
<dl class="facts">
<dt>created</dt><dd>${manifest.created_at} by ${manifest.tool.name} ${manifest.tool.version}</dd>
<dt>repository</dt><dd><code>${manifest.repository.root}</code> at ${manifest.repository.base_kind === 'empty-tree' ? 'the empty tree' : 'base commit'} <code>${manifest.repository.base_commit}</code></dd>
<dt>model server</dt><dd>${manifest.provider} at <code>${manifest.base_url}</code>${manifest.server.version ? ` (version ${manifest.server.version})` : ''}</dd>
<dt>planner</dt><dd>${model('planner')}</dd>
<dt>executor</dt><dd>${model('executor')}</dd>
<dt>prompt pack</dt><dd><code>${manifest.pack.id}</code> ${manifest.pack.version} \u00b7 temperature ${manifest.generation.temperature}, seed ${manifest.generation.seed}, num_ctx ${manifest.generation.num_ctx}</dd>
<dt>audit log</dt><dd>${last ? html`${last.line} line(s) up to this report, head <code>${last.hash}</code>` : 'missing'}${chain ? html` \u00b7 <span class="${chain.level === 'ok' ? 'ok' : 'bad'}">chain ${chain.level === 'ok' ? 'intact' : 'broken'}</span>` : ''}</dd>
</dl></section>`;
}

function planSection(plan: Plan | null, revisions: RevisionFacts[], current: number | null): Html {
  const rows = revisions.map(
    (revision) => html`<tr><td>${revision.revision}${revision.revision === current ? ' (current)' : ''}</td>
<td>${revision.valid ? html`<span class="ok">validates</span>` : html`<span class="bad">invalid</span><ul class="errors">${revision.errors.map((error) => html`<li>${error}</li>`)}</ul>`}</td>
<td><code>${short(revision.planSha256)}</code></td><td>${decision(revision.approval)}</td></tr>`,
  );
  const body = plan
    ? html`<p class="summary">${plan.summary}</p>
${plan.milestones.map(
  (milestone) => html`<h3>${milestone.id} \u00b7 ${milestone.title}</h3>
${milestone.tasks.map(
  (task) => html`<div class="task-card" id="${anchor('plan', task.id)}"><h4><code>${task.id}</code> ${task.title}</h4>
<p>${task.description}</p>
<dl class="facts small"><dt>files</dt><dd>${task.files.map((file, i) => html`${i > 0 ? ', ' : ''}<code>${file}</code>`)}</dd>
<dt>depends on</dt><dd>${task.depends_on.length > 0 ? task.depends_on.join(', ') : '\u2014'}</dd>
<dt>acceptance</dt><dd><ul>${task.acceptance.map((check) => html`<li>${check}</li>`)}</ul></dd></dl></div>`,
)}`,
)}`
    : html`<p class="empty">No plan validated yet.</p>`;
  return html`<section id="plan"><h2>Plan${current !== null ? html` <span class="meta">revision ${current}</span>` : ''}</h2>
${revisions.length > 0 ? html`<table><thead><tr><th>revision</th><th>validation</th><th>plan.json sha256</th><th>decision</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
${body}
</section>`;
}

function decision(approval: Approval | null): Html {
  if (!approval) return html`<span class="meta">awaiting a decision</span>`;
  return html`<span class="${approval.decision === 'approved' ? 'ok' : 'bad'}">${approval.decision}</span> by ${approval.by} at ${approval.at}${approval.reason ? html`: <q>${approval.reason}</q>` : ''}`;
}

/** An attempt that does not validate cannot be decided: saying it awaits a decision would mislead. */
function latestDecision(latest: AttemptFacts | undefined): Html | string {
  if (!latest) return '\u2014';
  if (latest.approval || latest.valid) return decision(latest.approval);
  return html`<span class="meta">does not validate: run-task sends the failure back to the model</span>`;
}

function tasksSection(tasks: TaskReport[]): Html {
  if (tasks.length === 0) return html`<section id="tasks"><h2>Tasks</h2><p class="empty">No tasks: the run has no plan yet.</p></section>`;
  const rows = tasks.map((task) => {
    const latest = task.attempts.at(-1);
    const id = task.latest ? html`<a href="#${anchor('task', task.task.id)}"><code>${task.task.id}</code></a>` : html`<code>${task.task.id}</code>`;
    return html`<tr><td>${id}</td><td>${task.task.title}</td><td>${task.task.milestone}</td><td>${stateBadge(task.status?.state ?? null)}</td>
<td>${task.attempts.length}</td><td>${task.task.depends_on.join(', ') || '\u2014'}</td><td><code>${short(latest?.patchSha256)}</code></td><td>${latestDecision(latest)}</td><td>${APPLIED[task.application ?? 'none']}</td></tr>`;
  });
  return html`<section id="tasks"><h2>Tasks</h2>
<table><thead><tr><th>task</th><th>title</th><th>milestone</th><th>state</th><th>attempts</th><th>depends on</th><th>latest patch sha256</th><th>decision</th><th>applied</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

const APPLIED = { 'applied-committed': 'applied, committed', 'applied-working-tree': 'applied to the working tree', undone: 'undone', none: '\u2014' } as const;

/** Where the approved patch stands in the repository: applied (and how), or taken back out by undo-task (and how). */
function applicationLine(task: TaskReport): Html | string {
  if (task.application === null) return '';
  if (task.application !== 'undone') return html`<p class="meta">In the repository: ${APPLIED[task.application]} by <code>apply-task</code>.</p>`;
  const undo = task.undo;
  if (!undo) return html`<p class="warn">Undone by <code>undo-task</code>; its record is missing: run <code>verify</code>.</p>`;
  const how =
    undo.record.mode === 'commit'
      ? html`by the revert commit <code>${short(undo.record.revert_commit)}</code>${undo.record.applied_commit ? html` of <code>${short(undo.record.applied_commit)}</code>` : ''}`
      : 'by a reverse apply to the working tree';
  return html`<p class="banner rejected">\u21b6 Undone ${how} at ${undo.record.undone_at}${undo.record.changed ? '' : ' (the patch was no longer there: nothing changed)'} \u00b7 <code>${undo.file}</code></p>`;
}

/** How a whole-file or SEARCH/REPLACE reply was turned into a diff, each step as logged, or why it could not be. */
function conversion(response: ExecResponse): Html | string {
  const record = response.conversion;
  if (!record) return '';
  const format = response.edit_format ?? 'diff';
  if (!record.ok) {
    const where = record.path ? html` (<code>${record.path}</code>${record.line !== null ? ` line ${record.line}` : ''})` : '';
    return html`<div class="validation bad"><strong>\u2718 The ${format} reply could not be turned into a diff</strong>${where}: ${record.reason ?? 'no reason recorded'}</div>`;
  }
  const steps = record.steps.map(
    (step) => html`<tr><td><code>${step.fix}</code></td><td>${step.path ? html`<code>${step.path}</code>${step.line !== null ? ` line ${step.line}` : ''}` : '\u2014'}</td><td>${step.message}</td></tr>`,
  );
  return html`<details class="fixes" open><summary>The ${format} reply (<code>reply.raw.txt</code>) was turned into a diff of ${record.files.length} file(s) in ${record.steps.length} logged step(s)</summary>
${record.steps.length > 0 ? html`<table><thead><tr><th>step</th><th>where</th><th>what</th></tr></thead><tbody>${steps}</tbody></table>` : ''}</details>`;
}

function patchesSection(tasks: TaskReport[], diff: DiffRenderer): Html {
  const withPatches = tasks.filter((task) => task.latest !== null);
  return html`<section id="patches"><h2>Patches</h2>
<p class="meta">The latest attempt of each task that has one, as validated with git on the base commit plus the patches approved before it.</p>
${withPatches.length === 0 ? html`<p class="empty">No task has been run yet.</p>` : withPatches.map((task) => patchCard(task, task.latest!, diff))}
</section>`;
}

function patchCard(task: TaskReport, latest: LatestAttempt, diff: DiffRenderer): Html {
  const approval = latest.facts.approval;
  const approved = approval?.decision === 'approved';
  const { response } = latest;
  return html`<article class="patch${approved ? ' approved' : ''}" id="${anchor('task', task.task.id)}">
<h3><code>${task.task.id}</code> ${task.task.title} ${stateBadge(task.status?.state ?? null)}</h3>
${approvalBanner(approval, latest)}
${applicationLine(task)}
<p class="meta">attempt ${latest.facts.attempt} of ${task.attempts.length} \u00b7 <code>${latest.patchPath}</code>${latest.facts.patchSha256 ? html` \u00b7 sha256 <code>${latest.facts.patchSha256}</code>` : ''} \u00b7 ${response.model}${tokens(response)}</p>
${conversion(response)}
${validation(response)}
${fixes(response)}
${response.undeclared_files && response.undeclared_files.length > 0 ? html`<p class="warn">Changes files the task did not declare: ${response.undeclared_files.map((file, i) => html`${i > 0 ? ', ' : ''}<code>${file}</code>`)}</p>` : ''}
${controlsWarning(latest)}
${checksList(latest)}
${latest.patch !== null ? html`<div class="diff">${renderDiff(diff, latest.patch, anchor('task', task.task.id))}</div>` : html`<p class="empty">No patch: the reply could not be turned into a diff.</p>`}
${latest.rawPatch !== null && latest.rawPatch !== latest.patch ? html`<details><summary>The reply as the model wrote it (<code>patch.raw.diff</code> or <code>reply.raw.txt</code>)</summary><pre class="text">${latest.rawPatch}</pre></details>` : ''}
${task.attempts.length > 1 ? earlierAttempts(task.attempts.slice(0, -1)) : ''}
</article>`;
}

/** Each check's result; a failed one with the last lines of its output. */
function checksList(latest: LatestAttempt): Html | string {
  const skipped = latest.response.checks_skipped;
  if (skipped && latest.checks.length === 0) return html`<p class="meta">Checks: not run (${skipped === 'no-checks' ? 'run-task --no-checks' : 'interrupted'}).</p>`;
  if (latest.checks.length === 0) return '';
  return html`<div class="checks"><strong>Checks</strong><ul>${latest.checks.map(
    (check) =>
      html`<li class="${check.passed ? 'check-passed' : 'check-failed'}">${check.passed ? '\u2705' : '\u274c'} <code>${check.command}</code>: ${check.verdict} in ${(check.duration_ms / 1000).toFixed(1)} s \u00b7 <code>${check.log}</code>${check.passed ? '' : html`<pre class="text">${check.tail}</pre>`}</li>`,
  )}</ul></div>`;
}

/** Added lines holding control characters: recorded by run-task, found again for older attempts. */
function controlsWarning(latest: LatestAttempt): Html | string {
  const found = latest.response.control_characters ?? (latest.patch === null ? [] : addedLineControls(latest.patch));
  if (found.length === 0) return '';
  return html`<div class="warn controls"><strong>Control characters in added lines</strong>: a terminal acts on them instead of showing them (they can hide or rewrite a line); shown escaped in the patch below.
<ul>${found.map((item) => html`<li><code>${item.file}</code> line ${item.line}: ${item.characters.map((char, i) => html`${i > 0 ? ', ' : ''}<code>${char}</code>`)}</li>`)}</ul></div>`;
}

function approvalBanner(approval: Approval | null, latest: LatestAttempt): Html {
  if (!approval) {
    const state = latest.facts.valid ? 'Awaiting review' : 'Does not validate: cannot be approved';
    return html`<p class="banner pending">${state}</p>`;
  }
  if (approval.decision === 'approved') {
    return html`<p class="banner approved">\u2714 Approved by <strong>${approval.by}</strong> at ${approval.at} \u00b7 sha256 <code>${short(approval.subject.sha256)}</code></p>`;
  }
  return html`<p class="banner rejected">\u2718 Rejected by <strong>${approval.by}</strong> at ${approval.at}${approval.reason ? html`: <q>${approval.reason}</q>` : ''}</p>`;
}

function tokens(response: ExecResponse): string {
  const { prompt_tokens: prompt, completion_tokens: completion } = response.stats;
  return prompt === null && completion === null ? '' : ` \u00b7 ${prompt ?? '?'} prompt / ${completion ?? '?'} reply tokens`;
}

function validation(response: ExecResponse): Html {
  const { normalization, validation: result } = response;
  if (!normalization.ok) {
    const refusal = normalization.refusal;
    return html`<div class="validation bad"><strong>\u2718 Normalization refused the reply:</strong> ${normalization.error ?? 'no diff in the reply'}
${refusal ? html`<dl class="facts small">${refusal.file ? html`<dt>file</dt><dd><code>${refusal.file}</code>${refusal.hunk !== null ? ` hunk ${refusal.hunk}` : ''}</dd>` : ''}
<dt>reason</dt><dd>${refusal.reason}</dd>
${refusal.expected !== null ? html`<dt>expected</dt><dd><code>${refusal.expected}</code></dd>` : ''}
${refusal.found !== null ? html`<dt>found</dt><dd><code>${refusal.found}</code></dd>` : ''}
${refusal.closest ? html`<dt>closest</dt><dd>line ${refusal.closest.line}: <code>${refusal.closest.text}</code></dd>` : ''}</dl>` : ''}</div>`;
  }
  const on = result.approved_patches.length > 0 ? html` + ${result.approved_patches.map((patch, i) => html`${i > 0 ? ', ' : ''}${patch.task} <code>${short(patch.sha256)}</code>`)}` : '';
  if (result.ok) {
    return html`<div class="validation ok"><strong>\u2714 Validates</strong> with git on base <code>${short(result.base)}</code>${on}: changes ${result.files.map((file, i) => html`${i > 0 ? ', ' : ''}<code>${file}</code>`)}</div>`;
  }
  return html`<div class="validation bad"><strong>\u2718 Does not validate</strong> on base <code>${short(result.base)}</code>${on}<ul class="errors">${result.errors.map((error) => html`<li>${error}</li>`)}</ul></div>`;
}

function fixes(response: ExecResponse): Html {
  const list = response.normalization.fixes;
  if (list.length === 0) return html`<p class="meta">No fixes: the model's diff was used as written.</p>`;
  const rows = list.map(
    (fix) => html`<tr><td><code>${fix.kind}</code></td><td>${fix.file ? html`<code>${fix.file}</code>` : '\u2014'}${fix.hunk !== null ? ` hunk ${fix.hunk}` : ''}</td><td>${fix.detail}
${fix.before || fix.after ? html`<details><summary>before / after</summary><div class="before-after"><pre class="text">${fix.before}</pre><pre class="text">${fix.after}</pre></div></details>` : ''}</td></tr>`,
  );
  return html`<details class="fixes" open><summary>${list.length} fix(es) made to the model's diff</summary>
<table><thead><tr><th>fix</th><th>where</th><th>what</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

/**
 * diff2html escapes the lines and names it renders; a diff it cannot read (it throws, or finds
 * no file) is shown as text instead, so a strange patch never hides from the reviewer.
 */
function renderDiff(diff: DiffRenderer, patch: string, scope: string): Html {
  try {
    // diff2html escapes markup, not control characters: those are made visible first.
    const rendered = diff.sideBySide(visibleText(patch), scope);
    if (rendered.includes('d2h-file-wrapper')) return trusted(rendered);
  } catch {
    // falls through to the text view
  }
  return html`<pre class="text">${patch}</pre>`;
}

function earlierAttempts(attempts: AttemptFacts[]): Html {
  return html`<details class="earlier"><summary>${attempts.length} earlier attempt(s)</summary><ul>${attempts.map(
    (attempt) => html`<li>attempt ${attempt.attempt}: ${attempt.valid ? 'validated' : html`<span class="bad">did not validate</span>`}${attempt.errors.length > 0 ? html` (${attempt.errors.join('; ')})` : ''} \u00b7 ${decision(attempt.approval)}</li>`,
  )}</ul></details>`;
}

function approvalsSection(approvals: ApprovalRow[]): Html {
  if (approvals.length === 0) return html`<section id="approvals"><h2>Approvals</h2><p class="empty">No decisions yet.</p></section>`;
  const rows = approvals.map(({ file, approval }) => {
    const subject = approval.subject;
    const what = subject.kind === 'plan' ? `plan revision ${subject.plan_revision ?? '?'}` : subject.attempt === null ? `${subject.task ?? '?'} (carried over)` : `${subject.task ?? '?'} attempt ${subject.attempt}`;
    return html`<tr><td>${approval.at}</td><td>${what}</td><td><span class="${approval.decision === 'approved' ? 'ok' : 'bad'}">${approval.decision}</span></td><td>${approval.by}</td>
<td><code>${subject.path}</code> <code>${short(subject.sha256)}</code></td><td>${approval.reason ?? ''}</td><td><code>${file}</code></td></tr>`;
  });
  return html`<section id="approvals"><h2>Approvals</h2>
<table><thead><tr><th>when</th><th>what</th><th>decision</th><th>who</th><th>bound to (sha256)</th><th>reason</th><th>recorded in</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function auditSection(lines: AuditLine[]): Html {
  if (lines.length === 0) return html`<section id="audit"><h2>Audit log</h2><p class="empty">audit.log is missing or empty.</p></section>`;
  const rows = lines.map(({ line, hash, entry }) => {
    if (!entry) return html`<tr class="bad"><td>${line}</td><td colspan="5">not a readable audit entry (edited or cut short): run <code>verify</code></td><td><code>${short(hash)}</code></td></tr>`;
    const args = Object.entries(entry.args).map(([key, value]) => html`<code>--${key.replace(/_/g, '-')}${value === true ? '' : ` ${typeof value === 'string' ? value : JSON.stringify(value)}`}</code> `);
    const notes = [
      ...(entry.error ? [html`<div class="bad">${entry.error}</div>`] : []),
      ...(entry.warnings ?? []).map((warning) => html`<div class="warn">${warning}</div>`),
    ];
    const artifacts =
      entry.artifacts.length === 0
        ? '\u2014'
        : html`<details><summary>${entry.artifacts.length} file(s)</summary><ul class="files">${entry.artifacts.map((artifact) => html`<li><code>${artifact.path}</code> <code class="meta">${short(artifact.sha256)}</code></li>`)}</ul></details>`;
    return html`<tr${entry.outcome === 'error' ? trusted(' class="failed"') : ''}><td>${line}</td><td>${entry.time}</td><td><code>${entry.command}</code></td><td>${args}</td>
<td><span class="${entry.outcome === 'ok' ? 'ok' : 'bad'}">${entry.outcome}</span>${notes}</td><td>${artifacts}</td><td><code>${short(hash)}</code></td></tr>`;
  });
  return html`<section id="audit"><h2>Audit log</h2>
<p class="meta">Every command on this run, in order (<code>audit.log</code>, a hash chain: each line names the sha256 of the one before).</p>
<table class="audit"><thead><tr><th>#</th><th>time</th><th>command</th><th>arguments</th><th>outcome</th><th>wrote</th><th>line sha256</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

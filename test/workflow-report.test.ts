import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { completeRun, copyRun, lines } from './support/complete-run.js';
import { twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('report: the run as one self-contained HTML page', () => {
  let ws: Workspace;
  let run: string;
  let out: string;
  let page: string;
  let auditBefore: string[];
  const temp: string[] = [];

  before(async () => {
    ws = await workspace();
    run = await completeRun(ws);
    out = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-report-')));
    temp.push(out);
    auditBefore = lines(ws.read(run, 'audit.log'));
    const result = await ws.cli(['report', '--run', run, '--out', path.join(out, 'report.html')]);
    assert.equal(result.code, 0, result.stderr);
    page = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(result.stdout, new RegExp(`^wrote ${path.join(out, 'report.html')}: ${Buffer.byteLength(page)} bytes, sha256 ${sha(page)}$`, 'm'));
  });
  after(async () => {
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
    await ws.close();
  });

  test('it holds the spec, the plan, every task with its state, and the run facts', () => {
    assert.ok(page.startsWith('<!DOCTYPE html>'));
    assert.ok(page.includes(escaped(ws.read(run, 'spec.md'))), 'the spec, escaped');
    const plan = ws.json(run, 'plan/plan.json');
    assert.ok(page.includes(escaped(plan.summary)));
    for (const task of plan.milestones[0].tasks) {
      assert.ok(page.includes(escaped(task.title)) && page.includes(escaped(task.description)), task.id);
    }
    const manifest = ws.json(run, 'manifest.json');
    assert.ok(page.includes(manifest.repository.base_commit) && page.includes(escaped(manifest.models.executor.name)));
    // The task table: both tasks approved, T002 after two attempts.
    const table = page.slice(page.indexOf('<section id="tasks">'), page.indexOf('<section id="patches">'));
    assert.match(table, /<code>T001<\/code><\/a><\/td><td>Default name<\/td><td>M1<\/td><td><span class="badge state-approved">approved<\/span><\/td>\s*<td>1<\/td>/);
    assert.match(table, /<code>T002<\/code><\/a><\/td><td>Shout option<\/td><td>M1<\/td><td><span class="badge state-approved">approved<\/span><\/td>\s*<td>2<\/td><td>T001<\/td>/);
    assert.match(page, /<span class="badge state-completed">completed<\/span>/);
  });

  test("each task's latest patch is a side-by-side diff, marked approved, with its fixes and validation", () => {
    for (const [task, dir] of [['T001', 'executions/T001'], ['T002', 'executions/T002/attempt-002']] as const) {
      const start = page.indexOf(`<article class="patch approved" id="task-${task}">`);
      assert.notEqual(start, -1, `${task} is marked approved`);
      const card = page.slice(start, page.indexOf('</article>', start));
      const approval = ws.json(run, `${dir}/approval.json`);
      assert.ok(card.includes(`✔ Approved by <strong>Reviewer</strong> at ${approval.at}`), task);
      assert.ok(card.includes(sha(ws.read(run, `${dir}/artifacts/patch.diff`))), `${task}: the sha256 of the patch shown`);
      // diff2html's side-by-side layout: one pair of sides per file, the changed lines inside.
      assert.equal(card.split('class="d2h-file-side-diff"').length - 1, 2, task);
      assert.ok(card.includes('d2h-file-name">src/app.js</span>'), task);
      const response = ws.json(run, `${dir}/exec.response.json`);
      assert.ok(card.includes('✔ Validates</strong> with git on base'), task);
      for (const fix of response.normalization.fixes) {
        assert.ok(card.includes(`<code>${escaped(fix.kind)}</code>`) && card.includes(escaped(fix.detail)), `${task}: fix ${fix.kind}`);
      }
    }
    const t001 = ws.json(run, 'executions/T001/exec.response.json');
    assert.ok(t001.normalization.fixes.length >= 2, 'the fixture reply needs repairs, so the fixes list is exercised');
    assert.ok(page.includes(`${t001.normalization.fixes.length} fix(es) made to the model`));
    assert.ok(page.includes(escaped("+  const who = name || 'world';")), 'the raw reply is offered where fixes changed it');
    assert.match(page, /1 earlier attempt\(s\)<\/summary><ul><li>attempt 1: validated · <span class="bad">rejected<\/span> by Reviewer at [^:]+:\d\d:\d\d\.\d+Z: <q>try again<\/q>/);
  });

  test('the approvals say who and when, and the audit timeline has every command before the report', () => {
    const approvals = page.slice(page.indexOf('<section id="approvals">'), page.indexOf('<section id="audit">'));
    for (const file of ['plan/plan.approval.json', 'executions/T001/approval.json', 'executions/T002/approval.json', 'executions/T002/attempt-002/approval.json']) {
      const approval = ws.json(run, file);
      assert.ok(approvals.includes(`<td>${approval.at}</td>`) && approvals.includes(`<code>${file}</code>`), file);
      assert.ok(approvals.includes(`<td>${approval.by}</td>`), file);
    }
    const audit = page.slice(page.indexOf('<section id="audit">'));
    const rows = audit.split('<tr>').length - 1 - 1; // minus the header row
    assert.equal(rows, auditBefore.length);
    for (const line of auditBefore) {
      const entry = JSON.parse(line);
      assert.ok(audit.includes(`<td>${entry.time}</td><td><code>${entry.command}</code></td>`), entry.command);
      assert.ok(audit.includes(sha(line).slice(0, 12)));
    }
    assert.ok(page.includes(`${auditBefore.length} line(s) up to this report, head <code>${sha(auditBefore.at(-1)!)}</code>`));
  });

  test('the page is self-contained: inline styles only, no script, nothing fetched', () => {
    assert.doesNotMatch(page, /<script/i);
    assert.doesNotMatch(page, /<link|<img|<iframe|<object|@import|url\(/i);
    assert.doesNotMatch(page, /\s(src|href)="(?!#)/i, 'every link is an anchor within the page');
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;/);
    assert.ok(page.includes('.d2h-file-side-diff{'), "diff2html's stylesheet is inlined");
  });

  test('every id in the page is unique, though both patches change src/app.js; every anchor link finds its id', () => {
    // The start tags' attributes, read as an HTML parser reads them (quoted, unquoted or bare).
    const attributes = [...page.matchAll(/<[a-zA-Z][\w-]*((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g)].flatMap((tag) =>
      [...tag[1]!.matchAll(/([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)].map((attr) => [attr[1]!.toLowerCase(), attr[2] ?? attr[3] ?? attr[4] ?? ''] as const),
    );
    const ids = attributes.filter(([name]) => name === 'id').map(([, value]) => value);
    assert.ok(ids.includes('task-T001') && ids.includes('task-T002'));
    assert.equal(ws.json(run, 'executions/T001/exec.response.json').validation.files[0], 'src/app.js');
    assert.equal(ws.json(run, 'executions/T002/attempt-002/exec.response.json').validation.files[0], 'src/app.js');
    assert.deepEqual(ids.filter((id, at) => ids.indexOf(id) !== at), [], 'no id twice');
    const links = attributes.filter(([name, value]) => name === 'href' && value.startsWith('#')).map(([, value]) => value.slice(1));
    assert.deepEqual(links.filter((id) => !ids.includes(id)), [], 'no link to a missing id');
  });

  test('report is recorded in the audit log, writes nothing into the run, and the run still verifies', async () => {
    const now = lines(ws.read(run, 'audit.log'));
    assert.equal(now.length, auditBefore.length + 1);
    const own = JSON.parse(now.at(-1)!);
    assert.deepEqual([own.command, own.outcome, own.artifacts, own.args.run, own.prev], ['report', 'ok', [], run, sha(auditBefore.at(-1)!)]);
    assert.equal(own.args.out, path.join(out, 'report.html'));
    const verify = await ws.cli(['verify', '--run', run]);
    assert.equal(verify.code, 0, verify.stdout);
  });

  test('the same run state gives byte-identical reports, on standard output or in a file', async () => {
    // Two copies of the run as it is now: a report reads the log before appending its own line.
    const a = copyRun(ws, run);
    const b = copyRun(ws, run);
    temp.push(a, b);
    const first = await runCli(['report', '--runs-dir', a, '--run', run], { cwd: ws.root });
    assert.equal(first.code, 0, first.stderr);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a second later: a clock in the page would show
    const second = await runCli(['report', '--runs-dir', b, '--run', run, '--out', path.join(out, 'again.html')], { cwd: ws.root });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(readFileSync(path.join(out, 'again.html'), 'utf8'), first.stdout);
    assert.ok(first.stdout.includes('<code>report</code>'), "the earlier report's own line is part of this timeline");
  });

  test('--out is refused inside the run and over a file that is not a report; an earlier report is replaced', async () => {
    const audit = ws.read(run, 'audit.log');
    const inside = await ws.cli(['report', '--run', run, '--out', path.join('runs', run, 'report.html')]);
    assert.equal(inside.code, 1);
    assert.match(inside.stderr, /^error: --out runs\/.*\/report\.html is inside the run: .*write the report elsewhere$/m);
    assert.equal(existsSync(path.join(ws.root, 'runs', run, 'report.html')), false);
    assert.equal(ws.read(run, 'audit.log'), audit, 'a refused report writes no audit line');

    const mine = path.join(out, 'notes.html');
    writeFileSync(mine, '<p>my notes</p>\n');
    const refused = await ws.cli(['report', '--run', run, '--out', mine]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /exists and is not a report written by llm-orchestrator: choose another --out/);
    assert.equal(readFileSync(mine, 'utf8'), '<p>my notes</p>\n');

    const again = await ws.cli(['report', '--run', run, '--out', path.join(out, 'report.html')]);
    assert.equal(again.code, 0, again.stderr);
    assert.notEqual(readFileSync(path.join(out, 'report.html'), 'utf8'), page, 'the new report includes the lines added since');
  });

  test('an unknown run is one line and exit 1; --help names the command with an example', async () => {
    const missing = await ws.cli(['report', '--run', 'no-such-run']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: run no-such-run not found in /);
    const help = await ws.cli(['report', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /self-contained HTML page/);
    assert.match(help.stdout, /\$ llm-orchestrator report --run ID --out report\.html/);
  });
});

describe('report at every stage of a run', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(async () => {
    await ws.close();
  });

  const report = async (run: string): Promise<string> => {
    const result = await ws.cli(['report', '--run', run]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  test('before a plan, before its approval, and with a reply that holds no diff', async () => {
    const run = await ws.init();
    const fresh = await report(run);
    assert.match(fresh, /<span class="badge state-needs-plan">needs-plan<\/span>/);
    assert.ok(fresh.includes('No plan validated yet.') && fresh.includes('No tasks: the run has no plan yet.') && fresh.includes('No task has been run yet.'));
    assert.ok(fresh.includes(`Next: <code>llm-orchestrator plan --run ${run}</code>`));

    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    assert.equal((await ws.cli(['plan', '--run', run])).code, 0);
    const pending = await report(run);
    assert.match(pending, /<td>1 \(current\)<\/td>\s*<td><span class="ok">validates<\/span><\/td>\s*<td><code>[0-9a-f]{12}<\/code><\/td><td><span class="meta">awaiting a decision<\/span><\/td>/);
    assert.match(pending, /<td>Default name<\/td><td>M1<\/td><td><span class="badge state-none">plan not approved<\/span><\/td>/);

    assert.equal((await ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer'])).code, 0);
    ws.fake.enqueueReply({ content: 'I would change greet() so that it defaults to world.' });
    const attempt = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(attempt.code, 1, attempt.stdout + attempt.stderr);
    const invalid = await report(run);
    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.equal(response.normalization.ok, false);
    const card = invalid.slice(invalid.indexOf('<article class="patch" id="task-T001">'), invalid.indexOf('</article>'));
    assert.match(card, /<span class="badge state-invalid">invalid<\/span>/);
    assert.ok(card.includes('Does not validate: cannot be approved'));
    assert.ok(card.includes(`✘ Normalization refused the reply:</strong> ${escaped(response.normalization.error)}`), card);
    assert.ok(card.includes('No patch: the reply could not be turned into a diff.'));
    assert.match(invalid, /<td>Default name<\/td><td>M1<\/td><td><span class="badge state-invalid">invalid<\/span><\/td>[\s\S]*?<td><span class="meta">does not validate: run-task sends the failure back to the model<\/span><\/td><td>—<\/td><\/tr>/);
  });
});

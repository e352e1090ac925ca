import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the whole workflow through the built CLI', () => {
  let ws: Workspace;
  let run: string;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('init records the run', async () => {
    run = await ws.init();
    assert.match(run, /^\d{4}-\d{2}-\d{2}_\d{6}_spec$/);
    const manifest = ws.json(run, 'manifest.json');
    assert.equal(manifest.run_id, run);
    assert.equal(manifest.models.planner.name, 'qwen2.5-coder:7b');
    assert.match(manifest.models.planner.digest, /^[0-9a-f]{64}$/);
    assert.equal(manifest.models.planner.context_length, 32768);
    assert.equal(manifest.repository.base_kind, 'commit');
    assert.equal(manifest.generation.temperature, 0);
    assert.equal(manifest.spec.sha256, sha(ws.read(run, 'spec.md')));
    assert.deepEqual(Object.keys(manifest.pack.files).sort(), [
      'executor.feedback.txt',
      'executor.search-replace.feedback.txt',
      'executor.search-replace.system.txt',
      'executor.system.txt',
      'executor.whole.feedback.txt',
      'executor.whole.system.txt',
      'manifest.json',
      'planner.system.txt',
    ]);
    assert.deepEqual(ws.json(run, 'context/allowlist.json').files, []);
    const audit = ws.read(run, 'audit.log').trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(audit[0].command, 'init');
    assert.equal(audit[0].outcome, 'ok');
    assert.ok(audit[0].artifacts.some((a: { path: string }) => a.path === 'manifest.json'));
  });

  test('run-task is refused before a plan exists and before it is approved', async () => {
    const early = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /not approved/);
    assert.doesNotMatch(early.stderr, /\n\s+at /, 'no stack trace');

    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const planned = await ws.cli(['plan', '--run', run]);
    assert.equal(planned.code, 0, planned.stderr);
    for (const file of ['plan/plan.request.json', 'plan/plan.response.json', 'plan/plan.md', 'tasks/T001.task.json', 'tasks/T002.task.json']) {
      assert.ok(existsSync(path.join(ws.root, 'runs', run, file)), file);
    }
    const request = ws.json(run, 'plan/plan.request.json');
    assert.equal(request.format.type, 'object');
    assert.equal(request.options.temperature, 0);
    assert.equal(request.truncate, false);
    const sent = ws.fake.requests.filter((r) => r.path === '/api/chat').at(-1)!;
    assert.equal(sent.body, ws.read(run, 'plan/plan.request.json'), 'the request file is the exact body sent');

    const beforeApproval = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(beforeApproval.code, 1);
    assert.match(beforeApproval.stderr, /approve-plan/);
  });

  test('approve-plan binds the approval to the plan it approves', async () => {
    const approved = await ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']);
    assert.equal(approved.code, 0, approved.stderr);
    const approval = ws.json(run, 'plan/plan.approval.json');
    assert.equal(approval.decision, 'approved');
    assert.equal(approval.by, 'Reviewer');
    assert.equal(approval.subject.sha256, sha(ws.read(run, 'plan/plan.json')));
    const again = await ws.cli(['approve-plan', '--run', run]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already approved/);
  });

  test('a task whose dependency is not approved is refused', async () => {
    const result = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /depends on T001/);
    const unknown = await ws.cli(['run-task', '--run', run, '--task', 'T009']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /T009 is not in plan/);
  });

  test('run-task sends only approved context and records a normalized, validated patch', async () => {
    const added = await ws.cli(['add-context', '--run', run, '--file', 'src/app.js']);
    assert.equal(added.code, 0, added.stderr);
    ws.fake.enqueueReply({ content: T001_REPLY });
    const result = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(result.code, 0, result.stderr);

    const request = ws.read(run, 'executions/T001/exec.request.json');
    assert.match(request, /return 'Hello ' \+ name;/, 'allowlisted file is in the prompt');
    assert.doesNotMatch(request, /do not leak me/, 'a file nobody allowed stays out of the prompt');

    assert.equal(ws.read(run, 'executions/T001/artifacts/patch.raw.diff'), T001_REPLY);
    const patch = ws.read(run, 'executions/T001/artifacts/patch.diff');
    assert.match(patch, /^diff --git a\/src\/app.js b\/src\/app.js\n/);
    assert.match(patch, /@@ -1,3 \+1,4 @@/);
    assert.match(ws.read(run, 'executions/T001/artifacts/notes.md'), /makes the name optional/);
    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.equal(response.validation.ok, true);
    const kinds = response.normalization.fixes.map((fix: { kind: string }) => fix.kind);
    assert.ok(kinds.includes('hunk-counts'), kinds.join(','));
    assert.ok(existsSync(path.join(ws.root, 'runs', run, 'executions/T001/exec.md')));
    assert.ok(existsSync(path.join(ws.root, 'runs', run, 'executions/T001/artifacts/patch.md')));
  });

  test('approve-task binds to patch.diff; the next task validates on top of it and sees its files', async () => {
    const approved = await ws.cli(['approve-task', '--run', run, '--task', 'T001']);
    assert.equal(approved.code, 0, approved.stderr);
    const approval = ws.json(run, 'executions/T001/approval.json');
    assert.equal(approval.subject.sha256, sha(ws.read(run, 'executions/T001/artifacts/patch.diff')));

    ws.fake.enqueueReply({ content: T002_DIFF });
    const result = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(result.code, 0, result.stderr);
    const request = ws.read(run, 'executions/T002/exec.request.json');
    assert.match(request, /const who = name \|\| 'world';/, 'the executor sees the file as approved patches left it');
    const response = ws.json(run, 'executions/T002/exec.response.json');
    assert.deepEqual(response.validation.approved_patches.map((p: { task: string }) => p.task), ['T001']);
  });

  test('a rejected patch can be run again as a new attempt; earlier attempts are kept', async () => {
    const rejected = await ws.cli(['reject-task', '--run', run, '--task', 'T002', '--reason', 'prefer a flag']);
    assert.equal(rejected.code, 0, rejected.stderr);
    ws.fake.enqueueReply({ content: 'I cannot do that.' });
    const bad = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /does not validate/);
    assert.ok(existsSync(path.join(ws.root, 'runs', run, 'executions/T002/attempt-002/exec.response.json')));
    assert.equal(ws.json(run, 'executions/T002/approval.json').decision, 'rejected', 'attempt 1 keeps its decision');
    const cannot = await ws.cli(['approve-task', '--run', run, '--task', 'T002']);
    assert.equal(cannot.code, 1);
    assert.match(cannot.stderr, /cannot be approved/);

    ws.fake.enqueueReply({ content: T002_DIFF });
    const third = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(third.code, 0, third.stderr);
    assert.equal((await ws.cli(['approve-task', '--run', run, '--task', 'T002'])).code, 0);
    const status = await ws.cli(['status', '--run', run]);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /completed/);
  });

  test('the working tree and the index were never touched', async () => {
    const porcelain = await runCli(['status', '--run', run], { cwd: ws.root });
    assert.equal(porcelain.code, 0);
    const { execFileSync } = await import('node:child_process');
    const gitStatus = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ws.root }).toString();
    assert.equal(gitStatus, '');
  });

  test('every command, failures included, is in the audit log', async () => {
    const audit = ws.read(run, 'audit.log').trim().split('\n').map((line) => JSON.parse(line));
    const failures = audit.filter((entry) => entry.outcome === 'error');
    assert.ok(failures.some((entry) => entry.command === 'run-task' && /not approved/.test(entry.error)));
    assert.ok(audit.some((entry) => entry.command === 'approve-task' && entry.outcome === 'ok'));
  });
});

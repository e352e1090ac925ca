import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { must } from './support/complete-run.js';
import { MODEL, twoTaskPlan, workspace, packCopy, type Workspace } from './support/workflow-fixture.js';

const pack = packCopy;

describe('limits from the pack', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('spec_bytes: a spec over the limit creates no run', async () => {
    const name = pack(ws, 'tiny-spec', (m) => (m.limits = { spec_bytes: 10 }));
    const result = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--pack', name]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /spec spec\.md is \d+ bytes, over the pack's limits\.spec_bytes \(10 bytes\)/);
  });

  test('reply_bytes: a reply over the limit is refused and takes no revision', async () => {
    const run = await ws.init(['--pack', pack(ws, 'tiny-reply', (m) => (m.limits = { reply_bytes: 100 }))]);
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const result = await ws.cli(['plan', '--run', run]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the planner's reply was stopped after \d+ bytes, over the pack's limits\.reply_bytes \(100 bytes\)/);
    assert.match((await ws.cli(['status', '--run', run])).stdout, /needs-plan/);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('context_bytes and patch_bytes', async () => {
    const run = await ws.init(['--pack', pack(ws, 'tiny-context', (m) => (m.limits = { context_bytes: 20, patch_bytes: 100 }))]);
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'R']), 'approve-plan');
    const context = await ws.cli(['add-context', '--run', run, '--file', 'src/app.js']);
    assert.equal(context.code, 1);
    assert.match(context.stderr, /src\/app\.js is \d+ bytes, over the pack's limits\.context_bytes \(20 bytes\)/);
    // A new file: an existing one the executor was not shown could not be changed at all.
    ws.fake.enqueueReply({ content: ['--- /dev/null', '+++ b/src/greeting.js', '@@ -0,0 +1 @@', `+export const greeting = '${'Hello '.repeat(20)}';`, ''].join('\n') });
    const patch = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(patch.code, 1);
    assert.match(patch.stderr, /the patch is \d+ bytes, over the pack's limits\.patch_bytes \(100 bytes\)/);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('reply_hunks: a reply with more hunks than the limit is never given to the engine; verify agrees', async () => {
    const run = await ws.init(['--pack', pack(ws, 'few-hunks', (m) => (m.limits = { reply_hunks: 2 }))]);
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'R']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    const hunk = '@@ -1,3 +1,3 @@\n export function greet(name) {\n-  return \'Hello \' + name;\n+  return \'Hi \' + name;\n }\n';
    ws.fake.enqueueReply({ content: 'diff --git a/src/app.js b/src/app.js\n--- a/src/app.js\n+++ b/src/app.js\n' + hunk.repeat(3) });
    const result = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the reply has 3 hunks, over the pack's limits\.reply_hunks \(2\): split the task, or raise limits\.reply_hunks/);
    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.equal(response.validation.ok, false);
    assert.equal(response.normalization.fixes.length, 0);
    assert.throws(() => ws.read(run, 'executions/T001/artifacts/patch.diff'), /ENOENT/);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('a model server that hangs: the time-out from the pack, with a clear message', async () => {
    const run = await ws.init(['--pack', pack(ws, 'short-timeout', (m) => (m.timeout_ms = 500))]);
    ws.fake.enqueueReply({ fault: 'hang' } as any);
    const started = Date.now();
    const result = await ws.cli(['plan', '--run', run]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /time|500/i);
    assert.ok(Date.now() - started < 10_000);
    assert.match((await ws.cli(['status', '--run', run])).stdout, /needs-plan/);
  });
});

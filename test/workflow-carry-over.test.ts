import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { changeByte, completeRun, firstTaskApprovedRun, lines, must } from './support/complete-run.js';
import { T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** twoTaskPlan with one task's field changed. */
function planWith(taskId: string, field: string, value: unknown): Record<string, unknown> {
  const plan = twoTaskPlan() as { milestones: Array<{ tasks: Array<Record<string, unknown>> }> };
  const task = plan.milestones[0]!.tasks.find((item) => item['id'] === taskId)!;
  task[field] = value;
  return plan;
}

async function status(ws: Workspace, run: string): Promise<{ state: string; plan_revision: number; tasks: Array<{ id: string; state: string; attempts: number; carried_over?: { sha256: string; run_id: string | null; plan_revision: number } }> }> {
  const result = await must(ws.cli(['status', '--run', run, '--json']), 'status');
  return JSON.parse(result.stdout).result;
}

async function mustVerify(ws: Workspace, run: string): Promise<void> {
  const result = await ws.cli(['verify', '--run', run]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^✅ carried approvals: carry-over: /m);
}

/** Every file of a directory with its bytes, for byte-for-byte comparison. */
function snapshotDir(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const child = path.join(rel, name);
      if (statSync(path.join(dir, child)).isDirectory()) walk(child);
      else files.set(child, sha(readFileSync(path.join(dir, child))));
    }
  };
  walk('');
  return files;
}

describe('revise-plan after tasks ran: approvals of unchanged tasks carry over', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await workspace();
  });
  afterEach(async () => {
    await ws.close();
  });

  test('T002 changed: T001 stays approved (carried, with its sha256), T002 runs afresh on top of T001', async () => {
    const run = await firstTaskApprovedRun(ws);
    const t001Patch = readFileSync(path.join(ws.root, 'runs', run, 'executions/T001/artifacts/patch.diff'));

    ws.fake.enqueueReply({ content: JSON.stringify(planWith('T002', 'description', 'Shout when asked, in capitals.')) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'say how T002 shouts']), 'revise-plan');
    const pending = await status(ws, run);
    assert.equal(pending.state, 'plan-pending-approval', 'the new revision must be approved as usual');

    const approved = await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    assert.match(approved.stdout, new RegExp(`T001 stays approved: carried over from plan revision 1 \\(patch sha256 ${sha(t001Patch)}\\)`));
    const record = ws.json(run, 'plan/rev-002/plan.carry-over.json');
    assert.deepEqual(record.carried, [{ task: 'T001', path: 'executions/T001/artifacts/patch.diff', sha256: sha(t001Patch), source: { run_id: null, plan_revision: 1, path: 'executions/T001/artifacts/patch.diff' } }]);
    assert.deepEqual(record.dropped, []);
    const line = JSON.parse(lines(ws.read(run, 'audit.log')).at(-1)!);
    assert.equal(line.command, 'approve-plan');
    assert.ok(line.artifacts.some((item: { path: string; sha256: string }) => item.path === 'plan/rev-002/plan.carry-over.json' && item.sha256 === sha(ws.read(run, 'plan/rev-002/plan.carry-over.json'))));

    const after = await status(ws, run);
    assert.equal(after.plan_revision, 2);
    assert.deepEqual(after.tasks.map((task) => [task.id, task.state, task.attempts]), [['T001', 'approved', 0], ['T002', 'ready', 0]]);
    assert.deepEqual(after.tasks[0]!.carried_over, { sha256: sha(t001Patch), run_id: null, plan_revision: 1 });

    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 (validates only on top of T001)');
    const response = ws.json(run, 'executions/rev-002/T002/exec.response.json');
    assert.deepEqual(response.validation.approved_patches, [{ task: 'T001', sha256: sha(t001Patch) }]);
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    assert.equal((await status(ws, run)).state, 'completed');
    await mustVerify(ws, run);

    // A carried approval applies like any other, in approval order.
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002');
    assert.match(readFileSync(path.join(ws.root, 'src/app.js'), 'utf8'), /toUpperCase/);
    await mustVerify(ws, run);
  });

  test("earlier attempts do not count for the new revision: a rejected T002 attempt of revision 1 is not revision 2's", async () => {
    const run = await firstTaskApprovedRun(ws);
    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002');
    await must(ws.cli(['reject-task', '--run', run, '--task', 'T002', '--reason', 'no', '--by', 'Reviewer']), 'reject-task');
    ws.fake.enqueueReply({ content: JSON.stringify(planWith('T002', 'title', 'Shout option, loudly')) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'rename T002']), 'revise-plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    const after = await status(ws, run);
    assert.deepEqual(after.tasks.map((task) => [task.id, task.state, task.attempts]), [['T001', 'approved', 0], ['T002', 'ready', 0]]);
    // The earlier attempt stays on record where it was.
    assert.ok(ws.read(run, 'executions/T002/approval.json').includes('"rejected"'));
    await mustVerify(ws, run);

    // A record edited to carry another file of the run (the spec, hash and all) as T002's patch.
    const recordPath = path.join(ws.root, 'runs', run, 'plan/rev-002/plan.carry-over.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    record.carried.push({ task: 'T002', path: 'spec.md', sha256: sha(readFileSync(path.join(ws.root, 'runs', run, 'spec.md'))), source: record.carried[0].source });
    writeFileSync(recordPath, JSON.stringify(record, null, 2) + '\n');
    // Changed since its audit line, the record is no decision at all: nothing it names counts as carried.
    const edited = await ws.cli(['status', '--run', run, '--json']);
    assert.match(edited.stderr, /plan\/rev-002\/plan\.carry-over\.json is not counted as a decision: it hashes to [0-9a-f]{12}, audit\.log recorded [0-9a-f]{12}; run `verify --run /);
    assert.deepEqual(JSON.parse(edited.stdout).result.tasks.map((task: { id: string; state: string }) => [task.id, task.state]), [['T001', 'ready'], ['T002', 'blocked']]);
    const verify = await ws.cli(['verify', '--run', run]);
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /^❌ plan\/rev-002\/plan\.carry-over\.json: carry-over: cannot be read/m);
  });

  test('T001 changed: its approval is not carried, nor that of T002, which depends on it', async () => {
    const run = await completeRun(ws);
    ws.fake.enqueueReply({ content: JSON.stringify(planWith('T001', 'acceptance', ['greet() says Hello world'])) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'sharper acceptance for T001']), 'revise-plan');
    const approved = await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    assert.match(approved.stderr, /warning: T001's approval in plan revision 1 is not carried over: its definition changed/);
    assert.match(approved.stderr, /warning: T002's approval in plan revision 1 is not carried over: it depends on T001, not carried over/);
    const record = ws.json(run, 'plan/rev-002/plan.carry-over.json');
    assert.deepEqual(record.carried, []);
    assert.deepEqual(record.dropped.map((item: { task: string }) => item.task), ['T001', 'T002']);
    const after = await status(ws, run);
    assert.deepEqual(after.tasks.map((task) => [task.id, task.state, task.attempts]), [['T001', 'ready', 0], ['T002', 'blocked', 0]]);

    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001 in revision 2');
    assert.deepEqual(ws.json(run, 'executions/rev-002/T001/exec.response.json').validation.approved_patches, [], 'validated on base alone');
    await mustVerify(ws, run);
  });
});

describe('init --from: a new run on the same spec, base and plan, with another model and num_ctx', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await workspace();
  });
  afterEach(async () => {
    await ws.close();
  });

  test('manifest records the change, the imported plan must be approved, then T001 is approved by carry-over; the source run is untouched', async () => {
    const source = await firstTaskApprovedRun(ws);
    const sourceDir = path.join(ws.root, 'runs', source);
    const before = snapshotDir(sourceDir);
    const t001Patch = readFileSync(path.join(sourceDir, 'executions/T001/artifacts/patch.diff'));
    const requestsBefore = ws.fake.requests.filter((request) => request.path === '/api/chat').length;

    const created = await must(ws.cli(['init', '--from', source, '--executor-model', 'qwen3:8b', '--num-ctx', '8192']), 'init --from');
    const run = created.stdout.trim();
    assert.notEqual(run, source);
    assert.equal(ws.fake.requests.filter((request) => request.path === '/api/chat').length, requestsBefore, 'no model is asked for the plan');

    const manifest = ws.json(run, 'manifest.json');
    const sourceManifest = ws.json(source, 'manifest.json');
    assert.equal(manifest.models.executor.name, 'qwen3:8b');
    assert.equal(manifest.models.planner.name, sourceManifest.models.planner.name);
    assert.equal(manifest.generation.num_ctx, 8192);
    assert.deepEqual(manifest.generation_overrides, { num_ctx: 8192 });
    assert.equal(manifest.generation.num_predict, sourceManifest.generation.num_predict);
    assert.deepEqual(manifest.from_run, { run_id: source, manifest_sha256: sha(readFileSync(path.join(sourceDir, 'manifest.json'))) });
    assert.equal(manifest.repository.base_commit, sourceManifest.repository.base_commit);
    assert.equal(ws.read(run, 'spec.md'), ws.read(source, 'spec.md'));
    assert.equal(ws.read(run, 'context/allowlist.json'), ws.read(source, 'context/allowlist.json'));
    assert.equal(ws.read(run, 'plan/plan.json'), ws.read(source, 'plan/plan.json'));
    assert.deepEqual(ws.json(run, 'plan/plan.response.json').imported_from, { run_id: source, plan_revision: 1, plan_sha256: sha(ws.read(source, 'plan/plan.json')) });
    assert.equal(sha(readFileSync(path.join(ws.root, 'runs', run, 'imported/T001/patch.diff'))), sha(t001Patch));

    const imported = await status(ws, run);
    assert.equal(imported.state, 'plan-pending-approval', 'the imported plan is approved again in the new run');
    const approved = await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    assert.match(approved.stdout, new RegExp(`T001 stays approved: carried over from run ${source}, plan revision 1 \\(patch sha256 ${sha(t001Patch)}\\)`));
    const after = await status(ws, run);
    assert.deepEqual(after.tasks.map((task) => [task.id, task.state]), [['T001', 'approved'], ['T002', 'ready']]);
    assert.deepEqual(after.tasks[0]!.carried_over, { sha256: sha(t001Patch), run_id: source, plan_revision: 1 });

    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 on top of the carried T001');
    const request = JSON.parse(String(ws.fake.requests.filter((item) => item.path === '/api/chat').at(-1)!.body));
    assert.equal(request.model, 'qwen3:8b');
    assert.equal(request.options.num_ctx, 8192);
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task of the carried T001');
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002');
    assert.match(readFileSync(path.join(ws.root, 'src/app.js'), 'utf8'), /toUpperCase/);

    // The views read a carried task too: it has no attempt of its own.
    await must(ws.cli(['report', '--run', run, '--out', path.join(ws.root, 'report.html')]), 'report');
    assert.match(readFileSync(path.join(ws.root, 'report.html'), 'utf8'), new RegExp(`T001 \\(carried over\\)[\\s\\S]*carried over from run ${source}, plan revision 1`));
    const shown = await ws.cli(['show', '--run', run, '--task', 'T001']);
    assert.match(shown.stderr, new RegExp(`its approval was carried over from run ${source}, plan revision 1 \\(imported/T001/patch\\.diff, sha256 ${sha(t001Patch)}\\)`));
    assert.match((await must(ws.cli(['runs']), 'runs')).stdout, new RegExp(`${run}.*completed`));

    await mustVerify(ws, run);
    assert.deepEqual(snapshotDir(sourceDir), before, 'the source run is only read');
    await mustVerify(ws, source);
  });

  test('a tampered carried patch is caught by verify and refused by run-task and apply-task', async () => {
    const source = await firstTaskApprovedRun(ws);
    const run = (await must(ws.cli(['init', '--from', source]), 'init --from')).stdout.trim();
    // Deterministic: a second run from the same source holds the same bytes, but for the moment
    // and the id the manifest records (and the audit line that names them).
    const twin = (await must(ws.cli(['init', '--from', source]), 'init --from again')).stdout.trim();
    const files = (id: string) => new Map([...snapshotDir(path.join(ws.root, 'runs', id))].filter(([file]) => file !== 'manifest.json' && file !== 'audit.log'));
    assert.deepEqual(files(twin), files(run));
    const { created_at: _a, run_id: _b, ...manifest } = ws.json(run, 'manifest.json');
    const { created_at: _c, run_id: _d, ...twinManifest } = ws.json(twin, 'manifest.json');
    assert.deepEqual(twinManifest, manifest);
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    const file = path.join(ws.root, 'runs', run, 'imported/T001/patch.diff');
    changeByte(file, 'world', 0, 'W');

    const verify = await ws.cli(['verify', '--run', run]);
    assert.equal(verify.code, 1, verify.stdout);
    assert.match(verify.stdout, /^❌ imported\/T001\/patch\.diff: carry-over: plan\/plan\.carry-over\.json carries T001 over with sha256 [0-9a-f]{12}, but the patch hashes to /m);
    const apply = await ws.cli(['apply-task', '--run', run, '--task', 'T001']);
    assert.equal(apply.code, 1);
    assert.match(apply.stderr, /the patch was changed after it was approved/);
    ws.fake.enqueueReply({ content: T002_DIFF });
    const runTask = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(runTask.code, 1);
    assert.match(runTask.stderr, /no longer hashes to the sha256 T001 was carried over with/);
  });

  test('a patch that no longer applies without the patches it was validated on is not carried over, with a warning', async () => {
    // T002 declares no dependency, but its patch was made on top of the approved T001.
    const run0 = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(planWith('T002', 'depends_on', [])) });
    await must(ws.cli(['plan', '--run', run0]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run0, '--by', 'Reviewer']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run0, '--file', 'src/app.js']), 'add-context');
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run0, '--task', 'T001']), 'run-task T001');
    await must(ws.cli(['approve-task', '--run', run0, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run0, '--task', 'T002']), 'run-task T002');
    await must(ws.cli(['approve-task', '--run', run0, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    // The source's current plan changes T001 only (not approved yet: imported as it is).
    const changed = planWith('T002', 'depends_on', []) as { milestones: Array<{ tasks: Array<Record<string, unknown>> }> };
    changed.milestones[0]!.tasks[0]!['title'] = 'Default name, documented';
    ws.fake.enqueueReply({ content: JSON.stringify(changed) });
    await must(ws.cli(['revise-plan', '--run', run0, '--feedback', 'document it']), 'revise-plan');

    const created = await must(ws.cli(['init', '--from', run0]), 'init --from');
    assert.match(created.stderr, /warning: T001's approved patch in run .* is not carried over: its definition changed/);
    assert.match(created.stderr, /warning: T002's approved patch in run .* is not carried over: its patch no longer applies as written on base: /);
    const run = created.stdout.trim();
    assert.deepEqual(ws.json(run, 'plan/plan.import.json').patches, []);
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    assert.deepEqual((await status(ws, run)).tasks.map((task) => [task.id, task.state]), [['T001', 'ready'], ['T002', 'ready']]);
    await mustVerify(ws, run);
  });

  test('usage: --spec with --from, a bad --num-ctx, and --num-ctx without --from exit 2; a run with no plan or no run at all, 1', async () => {
    const source = await firstTaskApprovedRun(ws);
    assert.equal((await ws.cli(['init', '--from', source, '--spec', 'spec.md'])).code, 2);
    assert.equal((await ws.cli(['init', '--from', source, '--num-ctx', 'lots'])).code, 2);
    assert.equal((await ws.cli(['init', '--spec', 'spec.md', '--planner-model', 'qwen2.5-coder:7b', '--executor-model', 'qwen2.5-coder:7b', '--num-ctx', '8192'])).code, 2);
    const unplanned = await ws.init();
    const refused = await ws.cli(['init', '--from', unplanned]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`run ${unplanned} has no valid plan to import: run \`plan --run ${unplanned}\` first`));
    assert.equal((await ws.cli(['init', '--from', 'no-such-run'])).code, 1);
  });
});

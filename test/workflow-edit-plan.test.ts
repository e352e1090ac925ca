import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { oneLineError } from './support/cli.js';
import { must, planApprovedRun } from './support/complete-run.js';
import { T001_REPLY, chatCount, task, twoTaskPlan, verifies, workspace, type Workspace } from './support/workflow-fixture.js';

describe('edit-plan: a person writes the next revision', () => {
  let ws: Workspace;
  let scripts: string;
  before(async () => {
    ws = await workspace();
    scripts = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-editor-'));
  });
  after(async () => {
    rmSync(scripts, { recursive: true, force: true });
    await ws.close();
  });

  /** A shell script as $EDITOR: copies what it was given to NAME.seen.json, its path to NAME.path, then runs `body` on "$1". */
  function editor(name: string, body: string): string {
    const file = path.join(scripts, `${name}.sh`);
    writeFileSync(file, `#!/bin/sh\ncp "$1" "${path.join(scripts, `${name}.seen.json`)}"\nprintf '%s' "$1" > "${path.join(scripts, `${name}.path`)}"\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }
  const seen = (name: string): string => readFileSync(path.join(scripts, `${name}.seen.json`), 'utf8');
  const withEditor = (args: string[], env: Record<string, string | undefined>) =>
    import('./support/cli.js').then(({ runCli }) => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, VISUAL: undefined, EDITOR: undefined, ...env } }));

  async function plannedRun(): Promise<string> {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    return run;
  }

  test('--file: a valid plan becomes the next revision, written by a person, with no model call; it is approved as usual', async () => {
    const run = await plannedRun();
    const edited = twoTaskPlan() as any;
    edited.milestones[0].tasks[1].files = ['src/app.js', 'lib/shout.js'];
    edited.milestones[0].tasks[1].title = 'Shout option, by hand';
    const text = `${JSON.stringify(edited, null, 2)}\n`;
    writeFileSync(path.join(ws.root, 'mine.json'), text);
    const calls = chatCount(ws);
    const result = await must(ws.cli(['edit-plan', '--run', run, '--file', 'mine.json']), 'edit-plan');
    assert.equal(chatCount(ws), calls, 'no model call');
    assert.match(result.stdout, /^plan revision 2: /);
    assert.match(result.stdout, /T002 Shout option, by hand/);
    assert.match(result.stderr, /^warning: T002 names lib\/shout\.js, not in the repository: a new file, or a mistake\?$/m);
    const response = ws.json(run, 'plan/rev-002/plan.response.json');
    assert.deepEqual(response.author, { kind: 'person', by: 'Test User', via: 'file' });
    assert.equal(response.model, '');
    assert.equal(response.raw, text);
    assert.deepEqual(ws.json(run, 'plan/rev-002/plan.json'), edited);
    assert.ok(existsSync(path.join(ws.root, 'runs', run, 'tasks/rev-002/T002.task.json')));
    assert.equal(existsSync(path.join(ws.root, 'runs', run, 'plan/rev-002/plan.request.json')), false);
    const audit = ws.read(run, 'audit.log').trim().split('\n').map((line) => JSON.parse(line)).at(-1);
    assert.equal(audit.command, 'edit-plan');
    assert.equal(audit.outcome, 'ok');
    assert.deepEqual(audit.args, { file: 'mine.json', run });

    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 2\)/);
    oneLineError(await ws.cli(['run-task', '--run', run, '--task', 'T001']), 1, /not approved/);
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    assert.equal(ws.json(run, 'plan/rev-002/plan.approval.json').subject.plan_revision, 2);
    // A revision a person wrote has no request: replay sends only the planner's.
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const replay = await must(ws.cli(['replay', '--run', run, '--json']), 'replay');
    assert.deepEqual(JSON.parse(replay.stdout).result.report.calls.map((call: { request: string }) => call.request), ['plan/plan.request.json']);
    await verifies(ws, run);
  });

  test('--file: a plan that does not validate is refused in one line, kept in the run, and no revision is made', async () => {
    const run = await plannedRun();
    const broken = twoTaskPlan() as any;
    broken.milestones[0].tasks[1].files = [];
    broken.milestones[0].tasks[1].acceptance = [];
    const text = JSON.stringify(broken);
    writeFileSync(path.join(ws.root, 'broken.json'), text);
    const line = oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'broken.json']), 1, /the plan in broken\.json is not valid: .* \(and 1 more\); nothing recorded, the text is kept in (\S+): fix it and run `edit-plan --run \S+ --file broken\.json`$/);
    const kept = /kept in (\S+):/.exec(line)![1]!;
    assert.equal(kept, path.join('runs', run, 'plan/edits/edit-001.json'));
    assert.equal(readFileSync(path.join(ws.root, kept), 'utf8'), text);
    assert.equal(existsSync(path.join(ws.root, 'runs', run, 'plan/rev-002')), false);
    const audit = ws.read(run, 'audit.log').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    assert.equal(audit.outcome, 'error');
    assert.deepEqual(audit.artifacts.map((a: { path: string }) => a.path), ['plan/edits/edit-001.json']);

    writeFileSync(path.join(ws.root, 'prose.json'), 'T001 then T002');
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'prose.json']), 1, /is not valid: not JSON: .*edit-002\.json/);
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'missing.json']), 1, /cannot read plan file missing\.json/);
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'src']), 1, /cannot read plan file src/);
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 1\)/);
    // The same plan again is not a revision.
    writeFileSync(path.join(ws.root, 'same.json'), JSON.stringify(twoTaskPlan()));
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'same.json']), 1, /the plan is the same as revision 1: nothing recorded/);
    await verifies(ws, run);
  });

  test('$EDITOR: opened on the latest plan, pretty-printed; what it saves becomes the revision', async () => {
    const run = await plannedRun();
    const script = editor('rename', `sed 's/Shout option/Shout on request/' "$1" > "$1.new" && mv "$1.new" "$1"`);
    const result = await withEditor(['edit-plan', '--run', run], { EDITOR: script });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen('rename'), `${JSON.stringify(twoTaskPlan(), null, 2)}\n`);
    assert.match(result.stdout, /T002 Shout on request/);
    const response = ws.json(run, 'plan/rev-002/plan.response.json');
    assert.deepEqual(response.author, { kind: 'person', by: 'Test User', via: 'editor' });
    assert.equal(ws.json(run, 'plan/rev-002/plan.json').milestones[0].tasks[1].title, 'Shout on request');
    // $VISUAL comes first, with arguments of its own, as git runs it.
    const visual = editor('visual', `sed 's/Shout on request/Shout loudly/' "$1" > "$1.new" && mv "$1.new" "$1"`);
    const second = await withEditor(['edit-plan', '--run', run, '--by', 'Ada'], { VISUAL: `sh ${visual}`, EDITOR: '/bin/false' });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(seen('visual')), ws.json(run, 'plan/rev-002/plan.json'));
    assert.equal(seen('visual'), `${JSON.stringify(JSON.parse(seen('visual')), null, 2)}\n`);
    assert.equal(ws.json(run, 'plan/rev-003/plan.response.json').author.by, 'Ada');
    await verifies(ws, run);
  });

  test('$EDITOR: invalid text is kept in the run; a failed editor keeps its file; no editor names --file', async () => {
    const run = await plannedRun();
    const garble = editor('garble', `printf 'not a plan' > "$1"`);
    const line = oneLineError(await withEditor(['edit-plan', '--run', run], { EDITOR: garble }), 1, /the plan you wrote is not valid: not JSON: .*kept in (\S+): fix it and run `edit-plan --run \S+ --file \1`$/);
    const kept = /kept in (\S+):/.exec(line)![1]!;
    assert.equal(readFileSync(path.join(ws.root, kept), 'utf8'), 'not a plan');
    // Its temporary copy is gone: the run has the text.
    assert.equal(existsSync(readFileSync(path.join(scripts, 'garble.path'), 'utf8')), false);

    const fails = editor('fails', `printf 'half typed' > "$1"; exit 3`);
    const failed = oneLineError(await withEditor(['edit-plan', '--run', run], { EDITOR: fails }), 1, /the editor \(\S+\) exited with code 3: nothing recorded; what you typed is in (\S+): run `edit-plan --run \S+ --file \1`$/);
    const temp = /typed is in (\S+):/.exec(failed)![1]!;
    assert.equal(readFileSync(temp, 'utf8'), 'half typed');
    rmSync(path.dirname(temp), { recursive: true, force: true });

    oneLineError(await withEditor(['edit-plan', '--run', run], { EDITOR: '  ' }), 1, /no editor to open: set \$VISUAL or \$EDITOR, or .* --file PLAN\.json$/);
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 1\)/);
    await verifies(ws, run);
  });

  test('a revision whose reply did not validate: the editor gets its JSON; edit-plan makes the plan', async () => {
    const run = await ws.init();
    const bad = { summary: 'Greet.', milestones: [{ id: 'M1', title: 'Greeting', tasks: [task('T001', 'Default name', ['src/app.js'], ['T009'])] }] };
    ws.fake.enqueueReply({ content: JSON.stringify(bad) });
    oneLineError(await ws.cli(['plan', '--run', run]), 1, /not a valid plan/);
    const fix = editor('fix', `sed 's/"T009"//' "$1" > "$1.new" && mv "$1.new" "$1"`);
    const result = await withEditor(['edit-plan', '--run', run], { EDITOR: fix });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen('fix'), `${JSON.stringify(bad, null, 2)}\n`);
    assert.deepEqual(ws.json(run, 'plan/rev-002/plan.json').milestones[0].tasks[0].depends_on, []);
    await verifies(ws, run);
  });

  test('the gate is revise-plan\'s: no plan yet is refused the same way; after tasks ran both make a revision to approve', async () => {
    const fresh = await ws.init();
    const plan = twoTaskPlan() as any;
    writeFileSync(path.join(ws.root, 'plan.json'), JSON.stringify(plan));
    oneLineError(await ws.cli(['edit-plan', '--run', fresh, '--file', 'plan.json']), 1, /has no plan to revise: run `plan` first/);

    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    const calls = chatCount(ws);
    plan.milestones[0].tasks[1].title = 'Shout when asked';
    writeFileSync(path.join(ws.root, 'plan.json'), JSON.stringify(plan));
    await must(ws.cli(['edit-plan', '--run', run, '--file', 'plan.json']), 'edit-plan after a task ran');
    assert.equal(chatCount(ws), calls, 'edit-plan calls no model');
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 2\)/);
    await verifies(ws, run);
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { registerCommands } from '../src/cli/registry.js';
import { lines, must } from './support/complete-run.js';
import { T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/**
 * `status` names the next command in every state a run can be in, and that command is one the
 * CLI has, for this run. One run walks through the states, in the order a person meets them.
 */
describe('status always names the next command', () => {
  let ws: Workspace;
  let run: string;
  const commands = (() => {
    const program = new Command();
    registerCommands(program);
    return new Set(program.commands.map((command) => command.name()));
  })();

  /** Runs status, checks the state line and that every next line is a real command for this run; returns the next lines. */
  async function status(state: string): Promise<string[]> {
    const result = await must(ws.cli(['status', '--run', run]), 'status');
    // A run in the default diff format: the state line names no format.
    assert.match(result.stdout, new RegExp(`^run ${run}: ${state}( \\(plan revision \\d+\\))?$`, 'm'));
    const next = result.stdout.split('\n').filter((line) => line.startsWith('next: '));
    assert.ok(next.length > 0, `status names no next command in state ${state}:\n${result.stdout}`);
    for (const line of next) {
      const m = /llm-orchestrator ([a-z-]+) --run (\S+)/.exec(line);
      assert.ok(m, `not a command: ${line}`);
      assert.ok(commands.has(m[1]!), `${m[1]} is not a command of the CLI (${line})`);
      assert.equal(m[2], run);
    }
    return next;
  }

  before(async () => {
    ws = await workspace();
    run = await ws.init();
  });
  after(() => ws.close());

  test('no plan yet: plan', async () => {
    assert.deepEqual(await status('needs-plan'), [`next: llm-orchestrator plan --run ${run}`]);
  });

  test('the only plan reply was unusable: tell the planner what is wrong, or write the plan (asking again gets the same reply)', async () => {
    ws.fake.enqueueReply({ content: 'Sure! Here is the plan: first...' });
    assert.equal((await ws.cli(['plan', '--run', run])).code, 1);
    assert.deepEqual(await status('plan-invalid'), [`next: llm-orchestrator revise-plan --run ${run} --feedback "..."`, `next: llm-orchestrator edit-plan --run ${run}`]);
  });

  test('a plan awaiting approval: approve it, or revise or reject it', async () => {
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const planned = await must(ws.cli(['plan', '--run', run]), 'plan');
    assert.match(planned.stdout, new RegExp(`^review: runs/${run}/plan/rev-002/plan\\.md$`, 'm'));
    const next = await status('plan-pending-approval');
    assert.equal(next[0], `next: llm-orchestrator approve-plan --run ${run}`);
    assert.ok(next.some((line) => line.includes('revise-plan')) && next.some((line) => line.includes('reject-plan')));
  });

  test('a rejected plan: revise it', async () => {
    await must(ws.cli(['reject-plan', '--run', run, '--reason', 'too coarse', '--by', 'Reviewer']), 'reject-plan');
    assert.deepEqual(await status('plan-rejected'), [`next: llm-orchestrator revise-plan --run ${run} --feedback "..."`]);
  });

  test('an approved plan: run the first ready task', async () => {
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'same again']), 'revise-plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    const result = await must(ws.cli(['status', '--run', run]), 'status');
    assert.match(result.stdout, /^ {2}T001 ready /m);
    assert.match(result.stdout, /^ {2}T002 blocked .* after T001$/m);
    assert.deepEqual(await status('executing'), [`next: llm-orchestrator run-task --run ${run} --task T001`]);
  });

  test('an attempt whose reply holds no usable diff: run the task again', async () => {
    ws.fake.enqueueReply({ content: 'I cannot do that.' });
    assert.equal((await ws.cli(['run-task', '--run', run, '--task', 'T001'])).code, 1);
    assert.deepEqual(await status('executing'), [`next: llm-orchestrator run-task --run ${run} --task T001`]);
  });

  test('a patch awaiting review: approve or reject it', async () => {
    ws.fake.enqueueReply({ content: T001_REPLY });
    const ran = await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
    // The second attempt under plan revision 3: its patch is in rev-003/T001/attempt-002/, and both commands say so, openable from here.
    const patch = `runs/${run}/executions/rev-003/T001/attempt-002/artifacts/patch.diff`;
    assert.match(ran.stdout, new RegExp(`^review: ${patch}$`, 'm'));
    const shown = await must(ws.cli(['status', '--run', run]), 'status');
    assert.match(shown.stdout, new RegExp(`^review: ${patch}$`, 'm'));
    assert.ok(existsSync(path.join(ws.root, patch)), patch);
    const json = JSON.parse((await must(ws.cli(['status', '--run', run, '--json']), 'status --json')).stdout);
    assert.equal(json.result.tasks[0].patch, 'executions/rev-003/T001/attempt-002/artifacts/patch.diff');
    assert.deepEqual(await status('executing'), [
      `next: llm-orchestrator approve-task --run ${run} --task T001`,
      `next: llm-orchestrator reject-task --run ${run} --task T001 --reason "..."`,
    ]);
  });

  test('a rejected patch: run the task again', async () => {
    await must(ws.cli(['reject-task', '--run', run, '--task', 'T001', '--reason', 'try again', '--by', 'Reviewer']), 'reject-task');
    const result = await must(ws.cli(['status', '--run', run]), 'status');
    assert.match(result.stdout, /^ {2}T001 rejected /m);
    assert.deepEqual(await status('executing'), [`next: llm-orchestrator run-task --run ${run} --task T001`]);
  });

  test('another command at work on the run: wait for it, then status again; nothing is written', async () => {
    // A lock held by a live process that is not the CLI: this test's own.
    const lock = path.join(ws.root, 'runs', run, '.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, command: 'run-task', since: '2026-01-31T12:00:00.000Z', host: hostname() }) + '\n');
    const auditBefore = ws.read(run, 'audit.log');
    try {
      const result = await must(ws.cli(['status', '--run', run]), 'status while busy');
      assert.match(result.stdout, new RegExp(`^busy: run-task \\(pid ${process.pid}\\) has been at work on the run since 2026-01-31T12:00:00.000Z$`, 'm'));
      assert.deepEqual(lines(result.stdout).filter((line) => line.startsWith('next: ')), [`next: wait for run-task (pid ${process.pid}) to finish, then: llm-orchestrator status --run ${run}`]);
      assert.equal(ws.read(run, 'audit.log'), auditBefore, 'status wrote to a run another command holds');
      const json = JSON.parse((await must(ws.cli(['status', '--run', run, '--json']), 'status --json while busy')).stdout);
      assert.deepEqual(json.result.busy, { command: 'run-task', pid: process.pid, since: '2026-01-31T12:00:00.000Z' });
      // For a script: the command to run once the other is done; `busy` says what to wait for.
      assert.deepEqual(json.result.next, [{ command: 'status', args: ['--run', run], shell: `llm-orchestrator status --run ${run}` }]);
    } finally {
      rmSync(lock);
    }
    // A lock left by a process that is gone does not make the run look busy.
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, command: 'run-task', since: '2026-01-31T12:00:00.000Z', host: hostname() }) + '\n');
    const stale = await must(ws.cli(['status', '--run', run]), 'status with a stale lock');
    assert.doesNotMatch(stale.stdout, /^busy:/m);
    assert.match(JSON.parse(lines(readFileSync(path.join(ws.root, 'runs', run, 'audit.log'), 'utf8')).at(-1)!).warnings?.[0] ?? '', /took over the lock/);
  });

  test('every task approved: apply the patches in approval order, then keep a record', async () => {
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001 again');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    assert.deepEqual(await status('completed'), [`next: llm-orchestrator apply-task --run ${run} --task T001`]);
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    assert.deepEqual(await status('completed'), [`next: llm-orchestrator apply-task --run ${run} --task T002`]);
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002');
    assert.deepEqual(await status('completed'), [
      `next: llm-orchestrator report --run ${run} --out ${run}.html`,
      `next: llm-orchestrator export --run ${run} --out ${run}.tar.gz`,
    ]);
  });
});

/**
 * Crash test: SIGKILL just before the Nth write into the run (the LLM_ORCHESTRATOR_CRASH_AT_WRITE
 * hook of the run store), for every N a command reaches, inside `plan`, `run-task` and
 * `approve-task`. After each crash the run must load, `status` must tell the truth, the same
 * command must complete when run again, and `verify` must pass.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from './support/cli.js';
import { must } from './support/complete-run.js';
import { T001_REPLY, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const SIGKILLED = 137;

describe('SIGKILL at every write of a command', () => {
  let ws: Workspace;
  let backup: string;
  before(async () => {
    ws = await workspace();
    backup = mkdtempSync(path.join(tmpdir(), 'llmo-crash-'));
    // The fake answers every call the same way, whatever was asked before the crash.
    ws.fake.onChat((req) => ({ content: 'format' in req.body ? JSON.stringify(twoTaskPlan()) : T001_REPLY }));
  });
  after(async () => {
    rmSync(backup, { recursive: true, force: true });
    await ws.close();
  });

  // A killed command cannot remove its temporary index: its temporary folder is the test's own.
  const cliWith = (args: string[], crashAt?: number): Promise<CliResult> =>
    runCli(args, {
      cwd: ws.root,
      env: { OLLAMA_HOST: ws.fake.url, TMPDIR: backup, LLM_ORCHESTRATOR_CRASH_AT_WRITE: crashAt === undefined ? undefined : String(crashAt) },
    });

  /**
   * Runs `args` with a crash at write 1, 2, … until it completes without reaching the crash point,
   * each time from the same saved run; returns how many crash points there were.
   */
  async function crashEverywhere(run: string, args: string[], truth: (status: string, crashedAt: number) => void): Promise<number> {
    const runDir = path.join(ws.root, 'runs', run);
    const saved = path.join(backup, `${run}-${args[0]}`);
    cpSync(runDir, saved, { recursive: true });
    for (let n = 1; n < 60; n++) {
      rmSync(runDir, { recursive: true, force: true });
      cpSync(saved, runDir, { recursive: true });
      const crashed = await cliWith(args, n);
      if (crashed.code === 0) return n - 1;
      assert.equal(crashed.code, SIGKILLED, `${args[0]} at write ${n}: ${crashed.stderr}`);
      const status = await cliWith(['status', '--run', run]);
      assert.equal(status.code, 0, `status after a crash at write ${n} of ${args[0]}: ${status.stderr}`);
      truth(status.stdout, n);
      await must(cliWith(args), `${args[0]} again after a crash at write ${n}`);
      await must(cliWith(['verify', '--run', run]), `verify after ${args[0]} crashed at write ${n} and ran again`);
    }
    throw new Error(`${args[0]} still crashing after 60 writes`);
  }

  test('plan, run-task and approve-task: the run loads, status is true, the command completes again, verify passes', async () => {
    const run = await ws.init();
    const planPoints = await crashEverywhere(run, ['plan', '--run', run], (status) => {
      // Until its audit line is written the plan may be half there; it is never shown as approved.
      assert.match(status, /needs-plan|plan-pending|awaiting/i);
      assert.doesNotMatch(status, /approved/);
    });
    assert.ok(planPoints >= 4, `plan reached only ${planPoints} writes`);

    // Each crashEverywhere ends with its command completed.
    await must(cliWith(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    await must(cliWith(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    const taskPoints = await crashEverywhere(run, ['run-task', '--run', run, '--task', 'T001'], (status) => {
      assert.doesNotMatch(status, /T001 approved/);
    });
    assert.ok(taskPoints >= 4, `run-task reached only ${taskPoints} writes`);

    const approvePoints = await crashEverywhere(run, ['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer'], (status) => {
      assert.doesNotMatch(status, /T002 ready/, 'T002 is not runnable before T001 is approved');
    });
    assert.ok(approvePoints >= 1, `approve-task reached only ${approvePoints} writes`);
    assert.equal(existsSync(path.join(ws.root, 'runs', run, '.lock')), false);
    console.log(`crash points: plan ${planPoints}, run-task ${taskPoints}, approve-task ${approvePoints}`);
  });
});

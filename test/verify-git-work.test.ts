import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyRun } from '../src/core/verify/verify-run.js';
import { gitProcessesStarted } from '../src/git/run-git.js';
import { must, sharedCompleteRun } from './support/complete-run.js';
import { manyTaskId, manyTaskPlan, manyTaskReply } from './support/many-tasks.js';
import { workspace } from './support/workflow-fixture.js';
import { bundleCoverage, coverage } from './support/v8-coverage.js';

const shared = sharedCompleteRun();

/**
 * Every git process costs verify milliseconds to start. The run has two approved patches and three
 * attempts (T002's second made on the same state as its first), and each approval was validated
 * on the same history its attempt was: the states are made in process, so git is one reader of
 * objects (the base commit, trees, blobs) and one pass over the approved patches (a read of the
 * base into an index, an apply, a new tree): 4 processes, whatever the number of patches. Rebuilding the state and listing files for every attempt and approval took 60.
 */
test('verify of a two-task run asks git each question once: a bounded number of git processes', async () => {
  const startedBefore = gitProcessesStarted();
  const result = await verifyRun(shared.env(), { run: shared.run });
  const started = gitProcessesStarted() - startedBefore;
  assert.deepEqual(result.checks.filter((check) => check.level !== 'ok'), [], 'every check passes');
  for (const name of ['normalization', 'validation']) {
    assert.ok(result.checks.some((check) => check.message.includes(`: ${name}: `)), `the ${name} check ran`);
  }
  assert.ok(started <= 8, `verify started ${started} git processes; at most 8 expected`);
});

/**
 * verify asks the engine which base files each of the run's replies needs, all at once, and then
 * repairs them: each reply is read (extracted from its prose and scanned) once for both questions,
 * not once for each (a tenth of verify's work at 100 tasks was reading replies twice). An approved
 * patch is the engine's output on its attempt's reply, re-made on the same approved patches: the
 * engine is not run on it again (that was half of verify's engine work at 100 tasks).
 * Counted by V8's coverage of the built CLI (runs of the engine and validation on a reply or
 * patch): three attempts, T002's two the same reply on the same state (asked once), each approved
 * on the state it ran on, are two runs.
 */
test('verify runs the engine once per attempt, not again on the patches approved', () => {
  const { ws, run } = shared;
  const functions = bundleCoverage(coverage(['verify', '--run', run], { cwd: ws.root })).functions;
  const calls = (name: string) => functions.filter((fn) => fn.functionName === name).reduce((sum, fn) => sum + fn.ranges[0]!.count, 0);
  assert.equal(calls('repairAndValidateWith'), 2, 'the engine is re-run on the replies only');
  // The engine runs as repairReply, or as repairReplyAsync over base files still arriving from git.
  assert.equal(calls('extractDiff'), calls('repairReply') + calls('repairReplyAsync'), 'each reply is extracted once');
});

/**
 * An approved patch is taken as its attempt's re-run proved it only on the patches that attempt
 * ran on. Here T001 ran before T002 was approved and was approved after it: its approval is
 * checked on base + T002, which its attempt never saw, so the engine runs on the patch as written
 * there: three engine runs for two attempts.
 */
test('verify re-runs the engine on an approved patch approved on other patches than its attempt ran on', async () => {
  const ws = await workspace({ 'src/app.js': 'export const app = 1;\n' });
  try {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(manyTaskPlan(2)) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    for (const i of [1, 2]) {
      ws.fake.enqueueReply({ content: manyTaskReply(i) });
      await must(ws.cli(['run-task', '--run', run, '--task', manyTaskId(i)]), `run-task ${manyTaskId(i)}`);
    }
    for (const i of [2, 1]) await must(ws.cli(['approve-task', '--run', run, '--task', manyTaskId(i), '--by', 'Reviewer']), `approve-task ${manyTaskId(i)}`);
    const verified = await ws.cli(['verify', '--run', run]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const functions = bundleCoverage(coverage(['verify', '--run', run], { cwd: ws.root })).functions;
    const calls = functions.filter((fn) => fn.functionName === 'repairAndValidateWith').reduce((sum, fn) => sum + fn.ranges[0]!.count, 0);
    assert.equal(calls, 3, 'the engine is re-run on the two attempts and on T001 as approved after T002');
  } finally {
    await ws.close();
  }
});

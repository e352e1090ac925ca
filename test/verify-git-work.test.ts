import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyRun } from '../src/core/verify/verify-run.js';
import { gitProcessesStarted } from '../src/git/run-git.js';
import { sharedCompleteRun } from './support/complete-run.js';
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
 * verify asks the engine which base files each of the run's replies and patches needs, all at
 * once, and then repairs them: each reply is read (extracted from its prose and scanned) once for
 * both questions, not once for each (a tenth of verify's work at 100 tasks was reading replies twice).
 * Counted by V8's coverage of the built CLI: three attempts and two approved patches are five reads.
 */
test('verify reads each reply and patch it re-runs the engine on once', () => {
  const { ws, run } = shared;
  const functions = bundleCoverage(coverage(['verify', '--run', run], { cwd: ws.root })).functions;
  const calls = (name: string) => functions.filter((fn) => fn.functionName === name).reduce((sum, fn) => sum + fn.ranges[0]!.count, 0);
  // The engine runs as repairReply, or as repairReplyAsync over base files still arriving from git.
  const repairs = calls('repairReply') + calls('repairReplyAsync');
  assert.equal(repairs, 5, 'the engine is re-run on the three attempts and the two approved patches');
  assert.equal(calls('extractDiff'), repairs, 'each reply is extracted once');
});

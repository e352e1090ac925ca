import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { verifyRun } from '../src/core/verify/verify-run.js';
import { sharedCompleteRun } from './support/complete-run.js';
import { readsOf } from './support/run-reads.js';

const shared = sharedCompleteRun();

/**
 * verify reads every file of the run to hash it, and the patch checks read the approvals, patches,
 * replies and records again: each is read from disk once, and the checks get the bytes that were
 * hashed (at 100 tasks, reading the same files three or four times was a tenth of verify's time).
 */
test('verify reads each file of the run once, and checks the bytes it hashed', async () => {
  const { ws, run } = shared;
  const dir = path.join(ws.root, 'runs', run);
  let checks: Awaited<ReturnType<typeof verifyRun>>['checks'] = [];
  const reads = await readsOf(dir, async () => {
    checks = (await verifyRun(shared.env(), { run })).checks;
  });
  assert.deepEqual(checks.filter((check) => check.level !== 'ok'), [], 'every check passes');
  assert.ok(reads.has('executions/T001/artifacts/patch.diff'), 'the spy sees the run being read');
  // audit.log is read before the checks and again by the append of verify's own line.
  const again = [...reads].filter(([rel, count]) => count > 1 && rel !== 'audit.log');
  assert.deepEqual(again, [], 'no file of the run is read from disk twice');
});

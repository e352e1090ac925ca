import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { verifyRun } from '../src/core/verify/verify-run.js';
import { sharedCompleteRun } from './support/complete-run.js';

const shared = sharedCompleteRun();

/** The run files `work` reads through readFileSync, with how often each was read. */
async function readsOf(dir: string, work: () => Promise<unknown>): Promise<Map<string, number>> {
  const reads = new Map<string, number>();
  const original = fs.readFileSync;
  fs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof file === 'string' && file.startsWith(dir + path.sep)) {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      reads.set(rel, (reads.get(rel) ?? 0) + 1);
    }
    return (original as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  // The store imports readFileSync by name: the binding follows the module's export only once synced.
  syncBuiltinESMExports();
  try {
    await work();
  } finally {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  }
  return reads;
}

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

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { list } from 'tar';
import { runCli } from './support/cli.js';
import { completeRun, lines } from './support/complete-run.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

describe('export writes the run as one reproducible archive that verify accepts anywhere', () => {
  let ws: Workspace;
  let run: string;
  let out: string;
  before(async () => {
    ws = await workspace();
    run = await completeRun(ws);
    out = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-export-')));
  });
  after(async () => {
    rmSync(out, { recursive: true, force: true });
    await ws.close();
  });

  test('the same run gives a byte-identical archive, and export changes nothing in the run', async () => {
    const audit = ws.read(run, 'audit.log');
    const first = await ws.cli(['export', '--run', run, '--out', path.join(out, 'a.tar.gz')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^wrote .*a\.tar\.gz: 42 file\(s\), \d+ bytes, sha256 [0-9a-f]{64}$/m);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a second later: a clock in the archive would show
    const second = await ws.cli(['export', '--run', run, '--out', path.join(out, 'b.tar.gz')]);
    assert.equal(second.code, 0, second.stderr);
    assert.ok(readFileSync(path.join(out, 'a.tar.gz')).equals(readFileSync(path.join(out, 'b.tar.gz'))));
    assert.equal(ws.read(run, 'audit.log'), audit);
  });

  test('entries are <run_id>/…, sorted, files only, with fixed mode, owner and time', async () => {
    const entries: Array<{ path: string; type: string; mode: number; uid: number; gid: number; mtime: number }> = [];
    await list({
      file: path.join(out, 'a.tar.gz'),
      onReadEntry: (entry) => {
        // Portable headers leave owner fields empty, which every tar reads as 0.
        entries.push({ path: entry.path, type: entry.type, mode: entry.mode ?? -1, uid: entry.uid ?? 0, gid: entry.gid ?? 0, mtime: entry.mtime?.getTime() ?? -1 });
      },
    });
    const names = entries.map((entry) => entry.path);
    assert.ok(names.every((name) => name.startsWith(`${run}/`) && !name.includes('..')), names.join('\n'));
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes(`${run}/audit.log`) && names.includes(`${run}/executions/T002/attempt-002/artifacts/patch.diff`));
    const created = Math.floor(Date.parse(ws.json(run, 'manifest.json').created_at) / 1000) * 1000;
    for (const entry of entries) assert.deepEqual([entry.type, entry.mode, entry.uid, entry.gid, entry.mtime], ['File', 0o644, 0, 0, created], entry.path);
    const listing = execFileSync('tar', ['-tvzf', path.join(out, 'a.tar.gz')]).toString();
    assert.ok(lines(listing).every((line) => /^-rw-r--r-- 0\/0 /.test(line)), listing);
  });

  test('an existing --out is never overwritten', async () => {
    const target = path.join(out, 'taken.tar.gz');
    writeFileSync(target, 'mine');
    const result = await ws.cli(['export', '--run', run, '--out', target]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already exists: export never overwrites a file/);
    assert.equal(readFileSync(target, 'utf8'), 'mine');
  });

  test('unpacked elsewhere (with system tar) it verifies; without the repository the git checks are ⚠️ skipped, exit 0', async () => {
    const unpacked = path.join(out, 'unpacked');
    execFileSync('mkdir', ['-p', unpacked]);
    execFileSync('tar', ['-xzf', path.join(out, 'a.tar.gz'), '-C', unpacked]);
    const full = await runCli(['verify', '--runs-dir', unpacked, '--run', run], { cwd: ws.root });
    assert.equal(full.code, 0, full.stdout + full.stderr);
    assert.doesNotMatch(full.stdout, /^(❌|⚠️)/m);

    const away = `${ws.root}-away`;
    renameSync(ws.root, away);
    try {
      const bare = await runCli(['verify', '--runs-dir', '.', '--run', run], { cwd: unpacked });
      assert.equal(bare.code, 0, bare.stdout + bare.stderr);
      assert.equal(lines(bare.stdout).filter((line) => line.startsWith('⚠️ ')).length, 2, bare.stdout);
      assert.match(bare.stdout, /^⚠️ patches: normalization: skipped: repository .* not available/m);
      assert.doesNotMatch(bare.stdout, /^❌/m);
    } finally {
      renameSync(away, ws.root);
    }
  });
});

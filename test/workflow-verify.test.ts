import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { anchoredHeadCheck } from '../src/core/verify/audit-log.js';
import { runCli } from './support/cli.js';
import { completeRun, copyRun, lines } from './support/complete-run.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('verify on a run made by the built CLI', () => {
  let ws: Workspace;
  let run: string;
  const temp: string[] = [];
  const auditOf = (runsDir: string) => readFileSync(path.join(runsDir, run, 'audit.log'), 'utf8');

  before(async () => {
    ws = await workspace();
    run = await completeRun(ws);
  });
  after(async () => {
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
    await ws.close();
  });

  test('every check passes, one ✅ line each, and the chain head is printed', async () => {
    const headBefore = sha(lines(ws.read(run, 'audit.log')).at(-1)!);
    const result = await ws.cli(['verify', '--run', run]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const out = lines(result.stdout);
    assert.ok(out.every((line) => line.startsWith('✅ ')), result.stdout);
    assert.match(result.stdout, new RegExp(`^✅ audit\\.log: hash chain: intact: 10 line\\(s\\), head ${headBefore}$`, 'm'));
    for (const check of ['recorded sha256', 'unrecorded', 'manifest sha256', 'approval', 'normalization', 'validation']) {
      assert.match(result.stdout, new RegExp(`^✅ [^:]+: ${check}: `, 'm'), check);
    }
  });

  test("verify appends its own line after reading, and that line keeps the chain intact", async () => {
    const rows = lines(ws.read(run, 'audit.log'));
    const own = JSON.parse(rows.at(-1)!);
    assert.equal(own.command, 'verify');
    assert.equal(own.outcome, 'ok');
    assert.equal(own.prev, sha(rows.at(-2)!));
    const again = await ws.cli(['verify', '--run', run]);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /hash chain: intact: 11 line\(s\)/);
  });

  test('--head: a head noted earlier is found in the chain; an unknown one is ❌', async () => {
    const noted = sha(lines(ws.read(run, 'audit.log'))[9]!);
    const good = await ws.cli(['verify', '--run', run, '--head', noted]);
    assert.equal(good.code, 0, good.stdout);
    assert.match(good.stdout, new RegExp(`^✅ audit\\.log: anchored head: ${noted.slice(0, 12)} is line 10 of 12: `, 'm'));
    const bad = await ws.cli(['verify', '--run', run, '--head', 'ab'.repeat(32)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^❌ audit\.log: anchored head: (ab){32} is not the hash of any line/m);
    const last = JSON.parse(lines(ws.read(run, 'audit.log')).at(-1)!);
    assert.match(last.warnings[0], /^❌ audit\.log: anchored head/, 'the failed check is in the audit line');
  });

  test('--head: the first 12 or more digits (as the report shows them) name the line; fewer are a usage error', async () => {
    const noted = sha(lines(ws.read(run, 'audit.log'))[9]!);
    for (const prefix of [noted.slice(0, 12), noted.slice(0, 20).toUpperCase()]) {
      const good = await ws.cli(['verify', '--run', run, '--head', prefix]);
      assert.equal(good.code, 0, good.stdout);
      assert.match(good.stdout, new RegExp(`^✅ audit\\.log: anchored head: ${noted.slice(0, 12)} is line 10 of \\d+: `, 'm'));
    }
    const before = ws.read(run, 'audit.log');
    for (const head of [noted.slice(0, 11), `${noted.slice(0, 11)}z`]) {
      const short = await ws.cli(['verify', '--run', run, '--head', head]);
      assert.equal(short.code, 2, short.stderr);
      assert.match(short.stderr, /^error: --head takes a chain head or its first 12 or more hex digits/);
    }
    assert.equal(ws.read(run, 'audit.log'), before, 'a refused --head records nothing');
  });

  test('--head: a prefix that starts two lines\' hashes is said to be ambiguous, not reported as a changed log', () => {
    const hashes = [`${'0'.repeat(12)}${'1'.repeat(52)}`, `${'0'.repeat(12)}${'2'.repeat(52)}`, 'f'.repeat(64)];
    const check = anchoredHeadCheck({ hashes, writes: new Map(), entries: [], broken: null }, '0'.repeat(12));
    assert.equal(check.level, 'warn');
    assert.equal(check.message, `audit.log: anchored head: not checked: ${'0'.repeat(12)} starts the hashes of lines 1, 2, so it names no one line: give more digits of the head`);
    assert.equal(anchoredHeadCheck({ hashes, writes: new Map(), entries: [], broken: null }, `${'0'.repeat(12)}2`).level, 'ok');
  });

  test('a copy at another path verifies exactly like the original', async () => {
    const copy = copyRun(ws, run);
    const twin = copyRun(ws, run);
    temp.push(copy, twin);
    const a = await ws.cli(['verify', '--runs-dir', copy, '--run', run]);
    const b = await ws.cli(['verify', '--runs-dir', twin, '--run', run]);
    assert.equal(a.code, 0, a.stdout);
    assert.equal(a.stdout, b.stdout);
    assert.deepEqual(lines(auditOf(copy)).slice(0, -1), lines(auditOf(twin)).slice(0, -1), 'verify added one line and changed nothing else');
  });

  test('without the repository the git checks are skipped with ⚠️ (exit 0); --repo with a clone at another path runs them', async () => {
    const copy = copyRun(ws, run);
    const elsewhere = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-moved-')));
    temp.push(copy, elsewhere);
    const moved = path.join(elsewhere, 'repo');
    renameSync(ws.root, moved);
    try {
      const bare = await runCli(['verify', '--runs-dir', copy, '--run', run], { cwd: elsewhere });
      assert.equal(bare.code, 0, bare.stdout + bare.stderr);
      const skipped = lines(bare.stdout).filter((line) => line.startsWith('⚠️ '));
      assert.equal(skipped.length, 2, bare.stdout);
      for (const check of ['normalization', 'validation']) {
        assert.match(bare.stdout, new RegExp(`^⚠️ patches: ${check}: skipped: repository ${ws.root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} not available`, 'm'));
      }
      const withRepo = await runCli(['verify', '--runs-dir', copy, '--run', run, '--repo', moved], { cwd: elsewhere });
      assert.equal(withRepo.code, 0, withRepo.stdout + withRepo.stderr);
      assert.doesNotMatch(withRepo.stdout, /^⚠️/m);
      assert.match(withRepo.stdout, /^✅ approved patches: validation: 2 approved patch\(es\)/m);
    } finally {
      renameSync(moved, ws.root);
    }
  });

  test('outside a repository without --runs-dir, the error says what to pass', async () => {
    const elsewhere = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-nowhere-')));
    temp.push(elsewhere);
    const result = await runCli(['verify', '--run', run], { cwd: elsewhere });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not inside a git repository: pass --runs-dir DIR/);
  });
});

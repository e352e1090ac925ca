/**
 * bench:repair's floor (scripts/floor-check-patch.ts) stands for the least work check-patch's
 * contract asks: a baseline that checked less would make the floor look lower than it is, and the
 * tool's share of the time larger. It must take a clean git diff, refuse one whose lines are not
 * the file's or that git does not apply, and find a hunk that fits at another line too. The same
 * holds for bench:scale's verify floor (scripts/floor-verify.ts): it reads every file of the run
 * and follows the audit log's chain, and says so.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { git, makeRepo, removeRepos, writeFiles } from './support/git-fixture.js';

const SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts');
const FLOOR = path.join(SCRIPTS, 'floor-check-patch.js');
const FLOOR_VERIFY = path.join(SCRIPTS, 'floor-verify.js');

after(removeRepos);

const lines = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join('\n') + '\n';

/** A repository of two files and the `git diff` of an edit to both, with the working tree back at HEAD. */
async function repoWithDiff(): Promise<{ root: string; diff: string }> {
  const { root } = await makeRepo({ 'src/a.txt': lines(30, 'a'), 'docs/b.md': `${lines(12, 'b')}tail\n` });
  await writeFiles(root, { 'src/a.txt': lines(30, 'a').replace('a line 10\n', 'a line 10 edited\n'), 'docs/b.md': `${lines(12, 'b')}tail\nadded\n` });
  const diff = await git(root, ['diff', '--no-color']);
  await git(root, ['checkout', '-q', '--', '.']);
  return { root, diff };
}

function floor(root: string, diff: string): { status: number | null; stderr: string; out: string | null } {
  const patch = path.join(root, '..', `${path.basename(root)}.diff`);
  const out = path.join(root, '..', `${path.basename(root)}.out.diff`);
  writeFileSync(patch, diff);
  const result = spawnSync(process.execPath, [FLOOR, root, patch, out], { encoding: 'utf8' });
  let written: string | null = null;
  try {
    written = readFileSync(out, 'utf8');
  } catch {
    written = null;
  }
  return { status: result.status, stderr: result.stderr, out: written };
}

test('the floor takes a clean git diff and writes it out as read', async () => {
  const { root, diff } = await repoWithDiff();
  const result = floor(root, diff);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /^ok: 2 file\(s\); 0 hunk\(s\) fit at another line too$/m);
  assert.equal(result.out, diff);
});

test('the floor refuses a context line that is not the file\'s, before git is asked', async () => {
  const { root, diff } = await repoWithDiff();
  const result = floor(root, diff.replace(' a line 8\n', ' a line 8 changed\n'));
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "floor-check-patch: src/a.txt: line 8 is not the hunk's line\n");
});

test('the floor refuses a patch git does not apply, and one whose file is not at HEAD', async () => {
  const { root, diff } = await repoWithDiff();
  // A hunk whose header counts one line too many: the lines match, git finds the patch corrupt.
  const corrupt = floor(root, diff.replace('@@ -7,7 +7,7 @@', '@@ -7,8 +7,7 @@'));
  assert.equal(corrupt.status, 1);
  assert.match(corrupt.stderr, /^floor-check-patch: git does not apply the patch: .*corrupt patch/);
  const missing = floor(root, diff.replaceAll('src/a.txt', 'src/none.txt'));
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'floor-check-patch: src/none.txt is not in HEAD\n');
});

test('the floor finds a hunk whose old lines fit at another line of the file too', async () => {
  const block = 'x\ny\nz\n';
  const { root } = await makeRepo({ 'r.txt': `${block}middle\n${block}` });
  await writeFiles(root, { 'r.txt': `${block}middle\nx\ny changed\nz\n` });
  const diff = await git(root, ['diff', '--no-color', '-U1']);
  await git(root, ['checkout', '-q', '--', '.']);
  const result = floor(root, diff);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /^ok: 1 file\(s\); 1 hunk\(s\) fit at another line too$/m);
});

test('the verify floor reads every file of a run and follows the audit chain, and stops at a broken link', () => {
  const run = mkdtempSync(path.join(tmpdir(), 'floor-verify-'));
  try {
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    const first = JSON.stringify({ prev: '0'.repeat(64), command: 'init' });
    const second = JSON.stringify({ prev: sha(first), command: 'plan' });
    mkdirSync(path.join(run, 'plan'));
    writeFileSync(path.join(run, 'plan', 'plan.json'), '{}\n');
    writeFileSync(path.join(run, 'audit.log'), `${first}\n${second}\n`);
    const ok = spawnSync(process.execPath, [FLOOR_VERIFY, run], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stderr, 'ok: 2 file(s) read and hashed, 2 audit line(s) chained\n');
    writeFileSync(path.join(run, 'audit.log'), `${first}\n${second.replace('plan', 'plan ')}\n${JSON.stringify({ prev: sha(second), command: 'x' })}\n`);
    const broken = spawnSync(process.execPath, [FLOOR_VERIFY, run], { encoding: 'utf8' });
    assert.equal(broken.status, 1);
    assert.equal(broken.stderr, 'floor-verify: audit line 3 does not chain to the line before it\n');
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
});

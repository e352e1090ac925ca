import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repairReply, type RepairOutcome } from '../src/diff/engine.js';

const MARK = '\\ No newline at end of file';

function repair(reply: string[], base: string | null, path = 'f.txt'): RepairOutcome {
  return repairReply(`${reply.join('\n')}\n`, { get: (p) => (p === path ? (base === null ? null : Buffer.from(base)) : undefined) }, { repoName: null });
}

function ok(reply: string[], base: string | null, path = 'f.txt'): RepairOutcome {
  const r = repair(reply, base, path);
  assert.equal(r.ok, true, r.error ?? '');
  return r;
}

const postOf = (r: RepairOutcome): string | null => r.expected[0]?.content?.toString('utf8') ?? null;
const head = ['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt'];
const NO_EOL = 'a\nb\nc\nd';
const EOL = 'a\nb\nc\nd\n';

test('git-written markers pass through: both sides, old side only, new side only', () => {
  const both = [...head, '@@ -2,3 +2,3 @@', ' b', ' c', '-d', MARK, '+D', MARK];
  const r1 = ok(both, NO_EOL);
  assert.equal(r1.diff, `${both.join('\n')}\n`);
  assert.deepEqual(r1.fixes, []);
  assert.equal(postOf(r1), 'a\nb\nc\nD');
  const oldOnly = [...head, '@@ -2,3 +2,3 @@', ' b', ' c', '-d', MARK, '+D'];
  assert.equal(postOf(ok(oldOnly, NO_EOL)), 'a\nb\nc\nD\n');
  const newOnly = [...head, '@@ -2,3 +2,3 @@', ' b', ' c', '-d', '+D', MARK];
  assert.equal(postOf(ok(newOnly, EOL)), 'a\nb\nc\nD');
  const ctx = [...head, '@@ -1,4 +1,4 @@', '-a', '+A', ' b', ' c', ' d', MARK];
  assert.deepEqual(ok(ctx, NO_EOL).fixes, []);
  assert.equal(postOf(ok(ctx, NO_EOL)), 'A\nb\nc\nd');
});

test('the old side follows the base: a missing marker is added where the base lacks a newline', () => {
  const r = ok([...head, '@@ -2,3 +2,3 @@', ' b', ' c', '-d', '+D'], NO_EOL);
  assert.deepEqual(r.fixes.map((f) => f.kind), ['no-newline-marker']);
  assert.ok(r.diff.endsWith(`-d\n${MARK}\n+D\n`));
  assert.equal(postOf(r), 'a\nb\nc\nD\n');
  const ctx = ok([...head, '@@ -1,4 +1,4 @@', '-a', '+A', ' b', ' c', ' d'], NO_EOL);
  assert.ok(ctx.diff.endsWith(` d\n${MARK}\n`));
  assert.equal(postOf(ctx), 'A\nb\nc\nd');
});

test('lines added after a last line without newline: it is removed and added back with one', () => {
  const r = ok([...head, '@@ -3,2 +3,4 @@', ' c', ' d', '+e', '+f'], NO_EOL);
  assert.ok(r.diff.endsWith(` c\n-d\n${MARK}\n+d\n+e\n+f\n`));
  assert.ok(r.fixes.some((f) => f.kind === 'eof-newline'));
  assert.equal(postOf(r), 'a\nb\nc\nd\ne\nf\n');
  const crlf = ok([...head, '@@ -3,2 +3,3 @@', ' c', ' d', '+e'], 'a\r\nb\r\nc\r\nd');
  assert.equal(postOf(crlf), 'a\r\nb\r\nc\r\nd\r\ne\r\n');
});

test('a misplaced marker is read by what can be meant', () => {
  // The base ends with a newline, so a marker anywhere in the last hunk is about the new file.
  const r = ok([...head, '@@ -2,3 +2,3 @@', ' b', MARK, ' c', '-d', '+D'], EOL);
  assert.equal(postOf(r), 'a\nb\nc\nD');
  assert.ok(r.diff.endsWith(`+D\n${MARK}\n`));
  // A new file's marker can only be about its last line.
  const n = ok(['--- /dev/null', '+++ b/f.txt', '@@ -0,0 +1,3 @@', '+x', MARK, '+y', '+z'], null);
  assert.equal(postOf(n), 'x\ny\nz');
  // Both sides may lack it: a lone marker among the added lines could be either.
  const both = repair([...head, '@@ -2,3 +2,4 @@', ' b', ' c', '-d', '+D', MARK, '+E'], NO_EOL);
  assert.equal(both.ok, false);
  assert.match(both.error ?? '', /sits between added lines/);
});

test('a marker in a hunk that does not reach the end of the file contradicts its place: refused', () => {
  const r = repair([...head, '@@ -1,3 +1,3 @@', '-a', MARK, '+A', ' b', ' c'], EOL);
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /which only the end of the file can have, but its lines fit at line 1/);
});

test('removing and re-adding the same last line without a marker is refused: the marker was lost', () => {
  const r = repair([...head, '@@ -2,3 +2,3 @@', ' b', ' c', '-d', '+d'], EOL);
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /adds it back unchanged as the last line/);
  assert.equal(r.refusal?.expected, '+d');
});

test('a deleted file that lacks a final newline keeps the marker git needs', () => {
  const r = ok(['diff --git a/f.txt b/f.txt', 'deleted file mode 100644', '--- a/f.txt', '+++ /dev/null', '@@ -1,4 +0,0 @@', '-a', '-b', '-c', '-d'], NO_EOL);
  assert.ok(r.diff.endsWith(`-d\n${MARK}\n`));
  assert.equal(r.expected[0]?.content, null);
});

/**
 * The as-written check (src/diff/repair/as-written.ts): which file patches it takes without the
 * full repair, and that every outcome is the full repair's, byte for byte. The property in
 * diff-engine-properties.test.ts compares the two on generated diffs; these pin the cases.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repairReply, type RepairOutcome } from '../src/diff/engine.js';
import { git, makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

/** The outcome with the check and without it (asserted equal), and the paths the check took. */
function both(reply: string, files: Record<string, string>): { outcome: RepairOutcome; taken: string[] } {
  const source = { get: (p: string) => (p in files ? Buffer.from(files[p]!) : null) };
  const taken: string[] = [];
  const outcome = repairReply(reply, source, { repoName: null, takenAsWritten: (p) => taken.push(p) });
  assert.deepEqual(outcome, repairReply(reply, source, { repoName: null, asWritten: false }));
  return { outcome, taken };
}

/** `git diff` of the files changed from `base` to `post`. */
async function gitDiff(base: Record<string, string>, post: Record<string, string>): Promise<string> {
  const repo = await makeRepo(base);
  for (const [path, content] of Object.entries(post)) writeFileSync(join(repo.root, path), content);
  return git(repo.root, ['diff']);
}

const numbered = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

test('a clean git diff is taken as written, with its index lines, several hunks, and a file without a final newline', async () => {
  const a = numbered('alpha', 40);
  const b = numbered('beta', 12);
  const base = { 'a.txt': `${a.join('\n')}\n`, 'b.txt': b.join('\n') };
  const editedA = a.map((line, i) => (i === 4 || i === 30 ? `${line} edited` : line));
  // b.txt's edit sits near its end: the hunk's last context line is the file's last line, without newline.
  const editedB = b.map((line, i) => (i === 9 ? 'BETA' : line));
  const diff = await gitDiff(base, { 'a.txt': `${editedA.join('\n')}\n`, 'b.txt': editedB.join('\n') });
  assert.match(diff, /^index /m);
  assert.match(diff, /^\\ No newline at end of file$/m);
  const { outcome, taken } = both(diff, base);
  assert.deepEqual(taken, ['a.txt', 'b.txt']);
  assert.equal(outcome.ok, true, outcome.error ?? '');
  assert.equal(outcome.diff, diff);
  assert.deepEqual(outcome.fixes, []);
  assert.equal(outcome.expected[1]?.content?.toString(), editedB.join('\n'));
});

test('a clean file patch after one the repair changed is taken, and the repaired diff holds both', async () => {
  const a = numbered('alpha', 20);
  const b = numbered('beta', 20);
  const base = { 'a.txt': `${a.join('\n')}\n`, 'b.txt': `${b.join('\n')}\n` };
  const diff = await gitDiff(base, { 'a.txt': `${a.map((l, i) => (i === 10 ? 'ALPHA' : l)).join('\n')}\n`, 'b.txt': `${b.map((l, i) => (i === 10 ? 'BETA' : l)).join('\n')}\n` });
  // a.txt's hunk header loses its numbers: the full repair writes them back.
  const reply = diff.replace(/^@@ -8,7 \+8,7 @@.*$/m, '@@');
  assert.notEqual(reply, diff);
  const { outcome, taken } = both(reply, base);
  assert.deepEqual(taken, ['b.txt']);
  // The numbers are written back; the section text went with them.
  assert.equal(outcome.diff, diff.replace(/^(@@ -8,7 \+8,7 @@).*$/m, '$1'));
  assert.deepEqual(outcome.fixes.map((f) => f.kind), ['placeholder-hunk-header']);
});

test('a file patch whose only faults are in its header (no diff --git line, no a/ b/ prefixes, in a fence) is taken with the header fixes', async () => {
  const a = numbered('alpha', 30);
  const base = { 'src/a.txt': `${a.join('\n')}\n` };
  const diff = await gitDiff(base, { 'src/a.txt': `${a.map((l, i) => (i === 12 ? 'ALPHA' : l)).join('\n')}\n` });
  const bare = diff
    .split('\n')
    .filter((l) => !l.startsWith('diff --git') && !l.startsWith('index '))
    .map((l) => l.replace(/^(---|\+\+\+) [ab]\//, '$1 '))
    .join('\n');
  const { outcome, taken } = both(`Here it is:\n\`\`\`diff\n${bare}\`\`\`\n`, base);
  assert.deepEqual(taken, ['src/a.txt']);
  assert.deepEqual(outcome.fixes.map((f) => f.kind), ['strip-fences', 'strip-prose', 'missing-diff-git-line', 'ab-prefixes']);
  assert.equal(outcome.diff, diff.replace(/^index .*\n/m, ''));
});

test('a hunk that fits twice is taken at its stated line when no hint points elsewhere, and left to the repair when one does', async () => {
  // The hunk (the edit and three lines on either side) lies inside a block the file holds twice,
  // each copy below a function line of its own.
  const block = ['  a = 1', '  b = 2', '  c = 3', '  y = 2', '  d = 4', '  e = 5', '  f = 6'];
  const twice = ['func first() {', ...block, '}', 'func second() {', ...block, '}'];
  const base = { 'f.txt': `${twice.join('\n')}\n` };
  const diff = await gitDiff(base, { 'f.txt': `${twice.map((l, i) => (i === 4 ? '  y = 20' : l)).join('\n')}\n` });
  assert.match(diff, /^@@ -2,7 \+2,7 @@ func first\(\) \{$/m);
  const asGit = both(diff, base);
  assert.deepEqual(asGit.taken, ['f.txt']);
  assert.equal(asGit.outcome.diff, diff);
  // The section text names the second copy's function: two hints disagree and, with no index line to
  // name a result, the repair refuses.
  const other = diff.replace(/^(@@ -2,7 \+2,7 @@).*$/m, '$1 func second() {').replace(/^index .*\n/m, '');
  const pointed = both(other, base);
  assert.deepEqual(pointed.taken, []);
  assert.equal(pointed.outcome.ok, false);
  assert.match(pointed.outcome.error ?? '', /section text points at line 11 but its line numbers at line 2/);
});

test('what the check leaves to the full repair: a line that reads two ways, CRLF, a lost end-of-file marker', async () => {
  // "- a" is a line of the file and the diff's removal of " a": read two ways.
  const list = ['# items', ' a', '- a', '- b', ...numbered('line', 6)];
  const listDiff = await gitDiff({ 'f.md': `${list.join('\n')}\n` }, { 'f.md': `${list.filter((_, i) => i !== 1).join('\n')}\n` });
  assert.deepEqual(both(listDiff, { 'f.md': `${list.join('\n')}\n` }).taken, []);

  const crlf = numbered('line', 12).map((l) => `${l}\r`);
  const crlfDiff = await gitDiff({ 'f.txt': `${crlf.join('\n')}\n` }, { 'f.txt': `${crlf.map((l, i) => (i === 5 ? 'NEW\r' : l)).join('\n')}\n` });
  assert.deepEqual(both(crlfDiff, { 'f.txt': `${crlf.join('\n')}\n` }).taken, []);

  // The last line removed and added back without the marker that said the new file lacks a
  // newline: the index line decides (it names the file without one).
  const last = numbered('line', 8);
  const lastDiff = await gitDiff({ 'f.txt': `${last.join('\n')}\n` }, { 'f.txt': last.join('\n') });
  const lost = lastDiff.replace('\\ No newline at end of file\n', '');
  const { outcome, taken } = both(lost, { 'f.txt': `${last.join('\n')}\n` });
  assert.deepEqual(taken, []);
  assert.deepEqual(outcome.fixes.map((f) => f.kind), ['no-newline-marker', 'index-line-reading']);
});

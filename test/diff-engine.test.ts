import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesNeeded, repairReply, type FileSource, type RepairOutcome } from '../src/diff/engine.js';
import { git, makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

/** A FileSource over a record: string → content, null → absent; missing keys → not fetched. */
function source(files: Record<string, string | Buffer | null>): FileSource {
  return { get: (p) => (p in files ? (typeof files[p] === 'string' ? Buffer.from(files[p] as string) : (files[p] as Buffer | null)) : undefined) };
}

function repair(reply: string, files: Record<string, string | Buffer | null>, repoName: string | null = null): RepairOutcome {
  return repairReply(reply, source(files), { repoName });
}

function ok(reply: string, files: Record<string, string | Buffer | null>, repoName: string | null = null): RepairOutcome {
  const r = repair(reply, files, repoName);
  assert.equal(r.ok, true, r.error ?? '');
  return r;
}

function post(r: RepairOutcome, path: string): string | null {
  const e = r.expected.find((x) => x.path === path);
  assert.ok(e, `no expected entry for ${path}`);
  return e.content === null ? null : e.content.toString('utf8');
}

const kinds = (r: RepairOutcome): string[] => r.fixes.map((f) => f.kind);
const lines = (...xs: string[]): string => `${xs.join('\n')}\n`;

const A = lines('one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten');
const CLEAN = [
  'diff --git a/a.txt b/a.txt',
  'index 1111111..2222222 100644',
  '--- a/a.txt',
  '+++ b/a.txt',
  '@@ -2,5 +2,6 @@ section',
  ' two',
  ' three',
  '-four',
  '+FOUR',
  '+four and a half',
  ' five',
  ' six',
  'diff --git a/new.txt b/new.txt',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/new.txt',
  '@@ -0,0 +1,2 @@',
  '+hello',
  '+world',
  'diff --git a/old.txt b/old.txt',
  'deleted file mode 100644',
  'index 4444444..0000000',
  '--- a/old.txt',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '-bye',
  '-now',
  'diff --git a/src/from.ts b/src/to.ts',
  'similarity index 80%',
  'rename from src/from.ts',
  'rename to src/to.ts',
  '--- a/src/from.ts',
  '+++ b/src/to.ts',
  '@@ -1,2 +1,2 @@',
  ' x',
  '-y',
  '+Y',
  'diff --git a/empty.txt b/empty.txt',
  'new file mode 100644',
  'index 0000000..e69de29',
  '',
].join('\n');
const CLEAN_FILES = { 'a.txt': A, 'new.txt': null, 'old.txt': lines('bye', 'now'), 'src/from.ts': lines('x', 'y'), 'src/to.ts': null, 'empty.txt': null };

test('a clean diff passes through byte for byte with zero fixes, and the post-image is computed', () => {
  const r = ok(CLEAN, CLEAN_FILES);
  assert.equal(r.diff, CLEAN);
  assert.deepEqual(r.fixes, []);
  assert.equal(r.refusal, null);
  assert.equal(post(r, 'a.txt'), lines('one', 'two', 'three', 'FOUR', 'four and a half', 'five', 'six', 'seven', 'eight', 'nine', 'ten'));
  assert.equal(post(r, 'new.txt'), lines('hello', 'world'));
  assert.equal(post(r, 'old.txt'), null);
  assert.equal(post(r, 'src/from.ts'), null);
  assert.equal(post(r, 'src/to.ts'), lines('x', 'Y'));
  assert.equal(post(r, 'empty.txt'), '');
  assert.deepEqual(
    r.files.map((f) => [f.oldPath, f.newPath, f.kind]),
    [
      ['a.txt', 'a.txt', 'modify'],
      [null, 'new.txt', 'add'],
      ['old.txt', null, 'delete'],
      ['src/from.ts', 'src/to.ts', 'rename'],
      [null, 'empty.txt', 'add'],
    ],
  );
});

test('fences, prose and a <think> block holding a draft diff are stripped', () => {
  const body = CLEAN.split('diff --git a/new.txt')[0] as string;
  const draft = '```diff\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+ONE\n```';
  const r = ok(`<think>\nMaybe:\n${draft}\nNo, better:\n</think>\nHere is the change.\n\n\`\`\`diff\n${body}\`\`\`\n\nDone.`, { 'a.txt': A });
  assert.equal(r.diff, body);
  assert.deepEqual(kinds(r), ['strip-think', 'strip-fences', 'strip-prose']);
  assert.equal(r.notes, 'Here is the change.\n\nDone.');
});

test('a reply split into one fenced block per file gives one diff', () => {
  const [first, second] = [CLEAN.split('diff --git a/new.txt')[0] as string, `diff --git a/new.txt${(CLEAN.split('diff --git a/new.txt')[1] as string).split('diff --git a/old.txt')[0]}`];
  const r = ok(`First:\n\`\`\`diff\n${first}\`\`\`\nThen:\n\`\`\`diff\n${second}\`\`\`\n`, { 'a.txt': A, 'new.txt': null });
  assert.equal(r.diff, first + second);
  assert.deepEqual(r.files.map((f) => f.newPath), ['a.txt', 'new.txt']);
});

test('CRLF: a CRLF reply for an LF file is converted; the diff is LF', () => {
  const reply = ['--- a/a.txt', '+++ b/a.txt', '@@ -3,3 +3,3 @@', ' three', '-four', '+FOUR', ' five', ''].join('\r\n');
  const r = ok(reply, { 'a.txt': A });
  assert.ok(!r.diff.includes('\r'));
  assert.ok(kinds(r).includes('crlf'));
  assert.equal(post(r, 'a.txt'), A.replace('four', 'FOUR'));
});

test('CRLF: a file with CRLF endings keeps them; added lines get them too', () => {
  const crlf = A.replaceAll('\n', '\r\n');
  const lf = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -3,3 +3,3 @@', ' three', '-four', '+FOUR', ' five', ''].join('\n');
  const r = ok(lf, { 'a.txt': crlf });
  assert.equal(r.diff, ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -3,3 +3,3 @@', ' three\r', '-four\r', '+FOUR\r', ' five\r', ''].join('\n'));
  assert.equal(post(r, 'a.txt'), crlf.replace('four', 'FOUR'));
  assert.deepEqual(kinds(r), ['crlf-file']);
  // The diff git writes for a CRLF file (LF headers, CRLF content) passes through unchanged.
  assert.deepEqual(ok(r.diff, { 'a.txt': crlf }).fixes, []);
});

test('CRLF: a clean git diff of a file that mixes line endings passes through unchanged, each added line ending as written', () => {
  const mixed = 'a\nb\r\nc\r\nd\r\ne\nf\n';
  const git = ['diff --git a/m.txt b/m.txt', '--- a/m.txt', '+++ b/m.txt', '@@ -1,6 +1,7 @@', ' a', ' b\r', ' c\r', '-d\r', '+DD\r', '+lf', ' e', ' f', ''].join('\n');
  const r = ok(git, { 'm.txt': mixed });
  assert.equal(r.diff, git);
  assert.deepEqual(r.fixes, []);
  assert.equal(post(r, 'm.txt'), 'a\nb\r\nc\r\nDD\r\nlf\ne\nf\n');
  // The same reply come through something that wrote CRLF everywhere (its headers too): the '\r's
  // are transport, so the added lines follow the file, which has no one ending: LF.
  const transported = ok(git.replaceAll('\n', '\r\n').replaceAll('\r\r', '\r'), { 'm.txt': mixed });
  assert.equal(post(transported, 'm.txt'), 'a\nb\r\nc\r\nDD\nlf\ne\nf\n');
  assert.deepEqual(kinds(transported), ['crlf']);
});

test('CRLF: an added line that carries its \\r in an LF file or a new file is kept as written', () => {
  const lf = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -3,3 +3,3 @@', ' three', '-four', '+FOUR\r', ' five', ''].join('\n');
  const r = ok(lf, { 'a.txt': A });
  assert.equal(r.diff, lf);
  assert.equal(post(r, 'a.txt'), A.replace('four\n', 'FOUR\r\n'));
  const created = ['diff --git a/n.txt b/n.txt', 'new file mode 100644', '--- /dev/null', '+++ b/n.txt', '@@ -0,0 +1,2 @@', '+one\r', '+two\r', ''].join('\n');
  const n = ok(created, { 'n.txt': null });
  assert.equal(n.diff, created);
  assert.equal(post(n, 'n.txt'), 'one\r\ntwo\r\n');
});

test('CRLF: in a CRLF file, an added line written without \\r keeps LF when another added line shows the model writes endings', () => {
  const crlf = A.replaceAll('\n', '\r\n');
  const git = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -3,3 +3,4 @@', ' three\r', '-four\r', '+FOUR\r', '+lf', ' five\r', ''].join('\n');
  const r = ok(git, { 'a.txt': crlf });
  assert.equal(r.diff, git);
  assert.deepEqual(r.fixes, []);
});

test('missing a/ b/ prefixes, missing diff --git line and missing ---/+++ lines are added', () => {
  const noPrefix = ['--- src/a.txt', '+++ src/a.txt', '@@ -1,2 +1,2 @@', '-one', '+ONE', ' two', ''].join('\n');
  const r1 = ok(noPrefix, { 'src/a.txt': A });
  assert.deepEqual(kinds(r1), ['missing-diff-git-line', 'ab-prefixes']);
  assert.ok(r1.diff.startsWith('diff --git a/src/a.txt b/src/a.txt\n--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1,2 +1,2 @@\n'));
  const noFileHeaders = ['diff --git a/a.txt b/a.txt', '@@ -1,2 +1,2 @@', '-one', '+ONE', ' two', ''].join('\n');
  const r2 = ok(noFileHeaders, { 'a.txt': A });
  assert.deepEqual(kinds(r2), ['missing-file-headers']);
  assert.equal(post(r2, 'a.txt'), A.replace('one', 'ONE'));
});

test('a repository name doubled into the path is removed when only the inner path exists', () => {
  const reply = ['--- a/myrepo/src/x.go', '+++ b/myrepo/src/x.go', '@@ -1,2 +1,2 @@', '-one', '+ONE', ' two', '--- /dev/null', '+++ b/myrepo/src/y.go', '@@ -0,0 +1 @@', '+y', ''].join('\n');
  const files = { 'myrepo/src/x.go': null, 'src/x.go': A, 'a/myrepo/src/x.go': null, 'myrepo/src/y.go': null, 'src/y.go': null };
  assert.deepEqual(filesNeeded(reply, { repoName: 'myrepo' }).sort(), ['a/myrepo/src/x.go', 'b/myrepo/src/x.go', 'b/myrepo/src/y.go', 'myrepo/src/x.go', 'myrepo/src/y.go', 'src/x.go', 'src/y.go'].sort());
  const r = ok(reply, files, 'myrepo');
  assert.deepEqual(r.files.map((f) => f.newPath), ['src/x.go', 'src/y.go']);
  assert.ok(kinds(r).includes('repo-name-in-path'));
  // Without a repository name, or when the doubled path itself exists, the path is kept.
  assert.equal(repair(reply, files, null).ok, false);
  assert.deepEqual(ok(reply, { ...files, 'myrepo/src/x.go': A }, 'myrepo').files.map((f) => f.newPath), ['myrepo/src/x.go', 'myrepo/src/y.go']);
});

test('wrong hunk counts are recounted; placeholder headers get the located numbers', () => {
  const body = [' two', ' three', '-four', '+FOUR', ' five', ' six'];
  for (const header of ['@@ -2,9 +2,2 @@', '@@ ... @@', '@@ -XXX @@', '@@ -1 +1 @@', '@@']) {
    const r = ok(['--- a/a.txt', '+++ b/a.txt', header, ...body, ''].join('\n'), { 'a.txt': A });
    assert.match(r.diff, /\n@@ -2,5 \+2,5 @@\n/, header);
    assert.equal(post(r, 'a.txt'), A.replace('four', 'FOUR'), header);
    assert.equal(r.fixes.length, 2, header); // the header, and the missing diff --git line
  }
});

test('wrong start lines are corrected from where the content is', () => {
  const r = ok(['--- a/a.txt', '+++ b/a.txt', '@@ -40,4 +41,4 @@ fn', ' two', ' three', '-four', '+FOUR', ' five', ' six', ''].join('\n'), { 'a.txt': A });
  assert.match(r.diff, /\n@@ -2,5 \+2,5 @@ fn\n/);
  assert.ok(kinds(r).includes('hunk-line-numbers'));
});

test('hunks out of order are sorted, with the new-side numbers following', () => {
  const h1 = ['@@ -1,2 +1,3 @@', ' one', '+one and a half', ' two'];
  const h2 = ['@@ -8,3 +9,2 @@', ' eight', '-nine', ' ten'];
  const r = ok(['--- a/a.txt', '+++ b/a.txt', ...h2, ...h1, ''].join('\n'), { 'a.txt': A });
  assert.ok(kinds(r).includes('reorder-hunks'));
  assert.ok(r.diff.indexOf('@@ -1,2 +1,3 @@') < r.diff.indexOf('@@ -8,3 +9,2 @@'));
  assert.equal(post(r, 'a.txt'), lines('one', 'one and a half', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'ten'));
});

test('whitespace drift in context and removed lines is taken from the file; added lines stay as written', () => {
  const file = lines('func f() {', '\tif x {', '\t\treturn 1  ', '\t}', '', '\treturn 2', '}');
  const reply = ['--- a/f.go', '+++ b/f.go', '@@ -1,7 +1,7 @@', ' func f() {', '     if x {', '-        return 1', '+    return 10', '     }', '', ' \treturn 2', ' }', ''].join('\n');
  const r = ok(reply, { 'f.go': file });
  assert.deepEqual(kinds(r).sort(), ['context-marker', 'context-whitespace', 'missing-diff-git-line', 'removed-whitespace']);
  assert.equal(post(r, 'f.go'), lines('func f() {', '\tif x {', '    return 10', '\t}', '', '\treturn 2', '}'));
  assert.ok(r.diff.includes('\n-\t\treturn 1  \n'));
});

test('a context line that lost its leading space is recognised by the file', () => {
  const reply = ['--- a/a.txt', '+++ b/a.txt', '@@ -2,5 +2,5 @@', ' two', 'three', '-four', '+FOUR', ' five', ' six', ''].join('\n');
  const r = ok(reply, { 'a.txt': A });
  assert.ok(kinds(r).includes('context-marker'));
  assert.equal(post(r, 'a.txt'), A.replace('four', 'FOUR'));
});

test('context lines dropped by the model are restored: leading, trailing, in the middle', () => {
  const cases: Array<[string, string[]]> = [
    ['leading', [' one', ' two', '-four', '+FOUR', ' five', ' six', ' seven']],
    ['trailing', [' one', ' two', ' three', '-four', '+FOUR', ' six', ' seven']],
    ['middle', [' two', ' three', '-four', '+FOUR', ' five', ' six', '-eight', '+EIGHT', ' nine']],
    ['end of hunk', [' two', ' three', '-four', '+FOUR', ' five']],
  ];
  for (const [name, body] of cases) {
    const r = ok(['--- a/a.txt', '+++ b/a.txt', '@@ -1,6 +1,6 @@', ...body, ''].join('\n'), { 'a.txt': A });
    const expected = name === 'middle' ? A.replace('four', 'FOUR').replace('eight', 'EIGHT') : A.replace('four', 'FOUR');
    assert.equal(post(r, 'a.txt'), expected, name);
  }
});

test('a dropped line next to added lines goes on the side that gives the hunk git shape, or the hunk is refused', () => {
  // Trailing context "five six seven" lost "five" right after the added line.
  const r = ok(['--- a/a.txt', '+++ b/a.txt', '@@ -2,6 +2,7 @@', ' two', ' three', ' four', '+four and a half', ' six', ' seven', ''].join('\n'), { 'a.txt': A });
  assert.equal(post(r, 'a.txt'), A.replace('four\n', 'four\nfour and a half\n'));
  assert.ok(kinds(r).includes('place-dropped-context'));
  // Context on both sides, the line dropped in the middle: before or after the added line?
  const m = repair(['--- a/a.txt', '+++ b/a.txt', '@@ -2,7 +2,8 @@', ' two', ' three', ' four', '+NEW', ' six', ' seven', ' eight', ''].join('\n'), { 'a.txt': A });
  assert.equal(m.ok, false);
  assert.match(m.error ?? '', /dropped the context line 5 \("five"\)/);
});

test('a hunk whose content fits in two places is refused, naming them, unless believable numbers pick one', () => {
  const file = lines('a', 'x', 'b', 'c', 'a', 'x', 'b', 'c');
  const body = [' a', '-x', '+X', ' b'];
  const r = repair(['--- a/f', '+++ b/f', '@@ ... @@', ...body, ''].join('\n'), { f: file });
  assert.equal(r.ok, false);
  assert.equal(r.refusal?.file, 'f');
  assert.equal(r.refusal?.hunk, 1);
  assert.match(r.refusal?.reason ?? '', /lines 1, 5/);
  const n = ok(['--- a/f', '+++ b/f', '@@ -5,3 +5,3 @@', ...body, ''].join('\n'), { f: file });
  assert.equal(post(n, 'f'), lines('a', 'x', 'b', 'c', 'a', 'X', 'b', 'c'));
  // The section text git writes after @@ (the line above the hunk starting with a letter) also picks one.
  const go = lines('func a() {', '\tx := 1', '\treturn x', '}', 'func b() {', '\tx := 1', '\treturn x', '}');
  const s = ok(['--- a/g.go', '+++ b/g.go', '@@ -1,2 +1,2 @@ func b() {', ' \tx := 1', '-\treturn x', '+\treturn x + 1', ''].join('\n'), { 'g.go': go });
  assert.equal(post(s, 'g.go'), go.replace(/return x\n}\n$/, 'return x + 1\n}\n'));
});

test('a refusal names the file, the hunk, the line expected, the line found and the closest match', () => {
  const r = repair(['--- a/a.txt', '+++ b/a.txt', '@@ -2,4 +2,4 @@', ' two', ' three', '-fuor', '+FOUR', ' five', ''].join('\n'), { 'a.txt': A });
  assert.equal(r.ok, false);
  assert.equal(r.diff, '');
  assert.deepEqual(r.refusal, {
    file: 'a.txt',
    hunk: 1,
    reason: r.refusal?.reason,
    expected: '-fuor',
    found: 'four',
    closest: { line: 4, text: 'four' },
  });
  assert.match(r.error ?? '', /^a\.txt, hunk 1: the hunk does not match the file: it fits best at line 2 \(3 of 4 lines\), where it expects "-fuor" but line 4 is "four"$/);
});

test('a list item written as context without its leading space is read as context where removing the rest of it cannot fit', () => {
  const readme = ['# Title', '', '- one', '- two', '- three', '', 'End.', ''].join('\n');
  const allLost = ok(['--- a/README.md', '+++ b/README.md', '@@ -3,3 +3,4 @@', '- one', '- two', '- three', '+- four', ''].join('\n'), { 'README.md': readme });
  assert.equal(post(allLost, 'README.md'), ['# Title', '', '- one', '- two', '- three', '- four', '', 'End.', ''].join('\n'));
  assert.match(allLost.fixes.find((f) => f.kind === 'context-marker')?.detail ?? '', /^3 context line\(s\) had lost their leading ' ' marker/);
  const oneLost = ok(['--- a/README.md', '+++ b/README.md', '@@ -1,5 +1,6 @@', ' # Title', ' ', ' - one', '- two', ' - three', '+- four', ''].join('\n'), { 'README.md': readme });
  assert.equal(post(oneLost, 'README.md'), post(allLost, 'README.md'));
  // A removal that fits is taken as written: "-- two" removes "- two".
  const removal = ok(['--- a/README.md', '+++ b/README.md', '@@ -3,3 +3,2 @@', ' - one', '-- two', ' - three', ''].join('\n'), { 'README.md': readme });
  assert.equal(post(removal, 'README.md'), ['# Title', '', '- one', '- three', '', 'End.', ''].join('\n'));
  // Where the file has the line the removal names, the diff means it: " two" goes, "- two" stays.
  const both = ok(['--- a/a.md', '+++ b/a.md', '@@ -1,3 +1,2 @@', ' - one', '- two', ' - three', ''].join('\n'), { 'a.md': '- one\n two\n- three\n- two\n' });
  assert.equal(post(both, 'a.md'), '- one\n- three\n- two\n');
  // When that reading does not fit either, the refusal of the diff as written names the item.
  const neither = repair(['--- a/README.md', '+++ b/README.md', '@@ -3,2 +3,3 @@', '- one', '- zwei', '+- four', ''].join('\n'), { 'README.md': readme });
  assert.equal(neither.ok, false);
  assert.equal(neither.error, 'README.md, hunk 1: none of the hunk\'s context or removed lines is in the file (first: "- one"); line 3 of the file is "- one": meant as a context line, it needs a leading space (" - one"), since a line starting with "-" removes the rest of it');
  // The same with '+': the line reads as added, and the file's line as dropped from the context.
  const plus = repair(['--- a/f.txt', '+++ b/f.txt', '@@ -1,3 +1,3 @@', ' a', '+ b', '-c', '+C', ''].join('\n'), { 'f.txt': 'a\n+ b\nc\nd\n' });
  assert.equal(plus.ok, false);
  assert.match(plus.error ?? '', /dropped the context line 2 \("\+ b"\) .*; the hunk has "\+ b" as an added line: meant as a context line, it needs a leading space \(" \+ b"\), since a line starting with "\+" adds the rest of it$/);
  // Nor is such a line taken from the file to pad the hunk's context while the hunk adds it again.
  const padded = repair(['--- a/f.txt', '+++ b/f.txt', '@@ -1,3 +1,3 @@', '+ b', '-c', '+C', ' d', ''].join('\n'), { 'f.txt': 'a\n+ b\nc\nd\ne\n' });
  assert.equal(padded.ok, false);
  assert.match(padded.error ?? '', /the added line " b" may be the file's context line 2 \("\+ b"\) without its leading space; cannot tell whether it is meant as added$/);
});

test('new files without /dev/null or mode lines, and deleted files without them, are completed', () => {
  const add = ['--- a/n.txt', '+++ b/n.txt', '@@ -0,0 +1,2 @@', '+n1', '', '+n3', ''].join('\n');
  const r1 = ok(add, { 'n.txt': null });
  assert.equal(r1.diff, ['diff --git a/n.txt b/n.txt', 'new file mode 100644', '--- /dev/null', '+++ b/n.txt', '@@ -0,0 +1,3 @@', '+n1', '+', '+n3', ''].join('\n'));
  assert.deepEqual(kinds(r1), ['added-blank-marker', 'missing-diff-git-line', 'new-file-header', 'hunk-counts']);
  assert.equal(post(r1, 'n.txt'), lines('n1', '', 'n3'));
  const del = ['diff --git a/old.txt b/old.txt', 'deleted file mode 100644', ''].join('\n');
  const r2 = ok(del, { 'old.txt': lines('bye', 'now') });
  assert.equal(r2.diff, ['diff --git a/old.txt b/old.txt', 'deleted file mode 100644', '--- a/old.txt', '+++ /dev/null', '@@ -1,2 +0,0 @@', '-bye', '-now', ''].join('\n'));
  assert.deepEqual(kinds(r2), ['complete-deletion', 'missing-file-headers']);
  const del2 = ['--- a/old.txt', '+++ /dev/null', '@@ -1,2 +0,0 @@', '-bye', '-now', ''].join('\n');
  assert.deepEqual(kinds(ok(del2, { 'old.txt': lines('bye', 'now') })), ['missing-diff-git-line', 'deleted-file-header']);
  // A file that already exists cannot be created; one that does not exist cannot be changed.
  const addOnly = ['--- a/n.txt', '+++ b/n.txt', '@@ -0,0 +1,2 @@', '+n1', '+n3', ''].join('\n');
  assert.match(repair(addOnly, { 'n.txt': A }).error ?? '', /hunk 1: the hunk only adds lines, at line 0, as if the file were new/);
  assert.match(repair(['--- /dev/null', '+++ b/a.txt', '@@ -0,0 +1 @@', '+x', ''].join('\n'), { 'a.txt': A }).error ?? '', /already exists/);
  assert.match(repair(['--- a/b.txt', '+++ b/b.txt', '@@ -1 +1 @@', '-x', '+y', ''].join('\n'), { 'b.txt': null }).error ?? '', /does not exist at base/);
});

test('binary and non-UTF-8 base files, binary patches and malformed renames are refused', () => {
  const mod = ['--- a/b.bin', '+++ b/b.bin', '@@ -1 +1 @@', '-x', '+y', ''].join('\n');
  assert.match(repair(mod, { 'b.bin': Buffer.from([120, 0, 10]) }).error ?? '', /binary/);
  assert.match(repair(mod, { 'b.bin': Buffer.from([0xff, 0xfe, 10]) }).error ?? '', /not valid UTF-8/);
  assert.match(repair(['diff --git a/b.bin b/b.bin', 'GIT binary patch', 'literal 3', 'abc', ''].join('\n'), { 'b.bin': 'x\n' }).error ?? '', /binary patch/);
  const rename = ['diff --git a/x b/y', 'rename from x', '--- a/x', '+++ b/y', ''].join('\n');
  assert.match(repair(rename, { x: 'x\n', y: null }).error ?? '', /rename is incomplete/);
  assert.match(repair(['--- a/x', '+++ b/y', '@@ -1 +1 @@', '-x', '+y', ''].join('\n'), { x: 'x\n', y: null }).error ?? '', /old and new names differ/);
});

test('unusable replies give ok:false with a one-line error and a refusal, never an exception', () => {
  for (const reply of ['', 'I cannot do that.', '@@ -1 +1 @@\n-a\n+b\n', '--- a/a.txt\n+++ b/a.txt\n', '--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n one\n']) {
    const r = repair(reply, { 'a.txt': A });
    assert.equal(r.ok, false, JSON.stringify(reply));
    assert.equal(r.diff, '');
    assert.deepEqual(r.expected, []);
    assert.ok(r.error && !r.error.includes('\n'));
    assert.ok(r.refusal);
  }
});

test('a base file not fetched is reported rather than guessed', () => {
  const r = repair(['--- a/a.txt', '+++ b/a.txt', '@@ -1 +1 @@', '-one', '+ONE', ''].join('\n'), {});
  assert.match(r.error ?? '', /was not provided to the engine/);
});

// Found by the property test with FC_SEED=590557480 FC_RUNS=5: "ctx / +NEW" whose trailing context
// line was dropped read as an insertion at the end of the file, which the model never meant.
test('regression: a hunk ending in added lines whose header counts a lost line is not placed at the end of the file', () => {
  const base = lines('', '');
  for (const header of ['@@ -1,2 +1,3 @@', '@@ ... @@']) {
    const r = repair(['--- a/f.txt', '+++ b/f.txt', header, ' ', '+NEW', ''].join('\n'), { 'f.txt': base });
    assert.equal(r.ok, false, `${header}: repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
    assert.match(r.error ?? '', /dropped context line/);
  }
  // The same hunk as git writes it (counts that agree) means the end of the file, and is kept.
  const clean = ok(['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt', '@@ -2 +2,2 @@', ' ', '+NEW', ''].join('\n'), { 'f.txt': base });
  assert.equal(post(clean, 'f.txt'), lines('', '', 'NEW'));
  assert.deepEqual(clean.fixes, []);
});

// Found with FC_SEED=-1028671116 FC_RUNS=5: a hunk of git's shape whose header counts one line
// more than it shows lost a line ("b" before "+NEW" in a run of "b"s); as written it would put
// NEW before the run.
test('regression: a hunk of git\'s shape whose header counts a lost line is checked like a lopsided one', () => {
  const base = ['a', '\treturn x', '\tx := 1', '\tx := 1', '# title', 'a', 'b', 'b', 'b', 'b', '# title', '-- note'].join('\n');
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -1,10 +1,10 @@', '-a', ' \treturn x', ' \tx := 1', ' \tx := 1', ' # title', ' a', '+NEW', ' b', ' b', ' b', ''].join('\n');
  const r = repair(reply, { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /dropped context line/);
  // With counts that agree, the same lines are a clean hunk and are taken as written.
  const clean = ok(reply.replace('@@ -1,10 +1,10 @@', '@@ -1,9 +1,9 @@'), { 'f.txt': base });
  assert.equal(post(clean, 'f.txt'), ['\treturn x', '\tx := 1', '\tx := 1', '# title', 'a', 'NEW', 'b', 'b', 'b', 'b', '# title', '-- note'].join('\n'));
});

// Found with FC_SEED=11563014 FC_RUNS=5 (list items): the context line "  a" (the file's " a") lost
// its leading space and read as the file's "a"; so read, the hunk's lines stood exactly somewhere
// else, and the change went there instead of where the header put it.
test('regression: a hunk that fits exactly away from its header\'s line, and there once whitespace is set aside, is refused', () => {
  // Three lines of context on each side at both places: nothing but the header tells them apart.
  const base = lines('x', ' a', 'y', 'OLD', 'z', 'w', 'v', 'x', 'a', 'y', 'OLD', 'z', 'w', 'v');
  const hunk = (header: string, context: string): string => ['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt', header, ' x', context, ' y', '-OLD', '+NEW', ' z', ' w', ' v', ''].join('\n');
  const r = repair(hunk('@@ -1,7 +1,7 @@', ' a'), { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.equal(r.refusal?.hunk, 1);
  assert.equal(r.refusal?.expected, 'a');
  assert.match(r.error ?? '', /exactly at line 8, and at line 1, where its header puts it, once whitespace is set aside \(line 2 is " a" where the hunk has "a": a context line that lost its leading space reads so\).*correct the header's line number or that line$/);
  // Written as git writes it, the hunk is taken as written.
  const clean = ok(hunk('@@ -1,7 +1,7 @@', '  a'), { 'f.txt': base });
  assert.equal(post(clean, 'f.txt'), lines('x', ' a', 'y', 'NEW', 'z', 'w', 'v', 'x', 'a', 'y', 'OLD', 'z', 'w', 'v'));
  assert.deepEqual(clean.fixes, []);
  // A header that names where the hunk fits exactly is believed; one that names a line where
  // nothing like its lines stands leaves the exact fit to decide (line numbers are often wrong).
  const there = ok(hunk('@@ -8,7 +8,7 @@', ' a'), { 'f.txt': base });
  assert.equal(post(there, 'f.txt'), lines('x', ' a', 'y', 'OLD', 'z', 'w', 'v', 'x', 'a', 'y', 'NEW', 'z', 'w', 'v'));
  assert.deepEqual(there.fixes, []);
  const elsewhere = ok(hunk('@@ -5,7 +5,7 @@', ' a'), { 'f.txt': base });
  assert.equal(post(elsewhere, 'f.txt'), post(there, 'f.txt'));
  assert.deepEqual(kinds(elsewhere), ['hunk-line-numbers']);
  // The property's own case: there the hunk also lacks context before its change, so a dropped
  // line reads it back to the header's line as well, and it is refused.
  const list = lines('+ b', ' a', '# t', '+ b', 'a', '# t', '+ b', '', '+ b', '+ b', '');
  const reply = ['diff --git f.txt f.txt', '--- f.txt', '+++ f.txt', '@@ -1,4 +1,4 @@', '-+ b', '+- c', ' a', ' # t', ' + b', ''].join('\n');
  const refused = repair(reply, { 'f.txt': list });
  assert.equal(refused.ok, false, `repaired to ${JSON.stringify(refused.expected[0]?.content?.toString())}`);
});

// Found with a property variant whose texts hold lines that differ only in leading whitespace
// ("" and " "): a blank context line " " written for "  " (the file's " ") read as the file's "",
// and with the next line dropped, the alignment whose lines were all the file's exactly won over
// the one that needed the lost space, and put NEW after the wrong blank line.
test('regression: of the alignments of a hunk that lost a line, one exact to the letter does not win over one a lost space explains', () => {
  const base = ['    return x', ' ', '', 'c', '    return x'].join('\n');
  const reply = ['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt', '@@ -1,5 +1,5 @@', '     return x', ' ', '+NEW', '-c', '-    return x', '\\ No newline at end of file', '+    return x', ''].join('\n');
  const r = repair(reply, { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  // The intended diff, as git writes it, is taken as written.
  const clean = ok(['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt', '@@ -1,5 +1,5 @@', '     return x', '  ', '+NEW', ' ', '-c', '-    return x', '\\ No newline at end of file', '+    return x', ''].join('\n'), { 'f.txt': base });
  assert.equal(post(clean, 'f.txt'), lines('    return x', ' ', 'NEW', '', '    return x'));
});

// Found with FC_SEED=1106004327 FC_RUNS=5: "}" after the hunk lost its space and the blank line
// before it was dropped; read as prose, the hunk went in without its context.
test('regression: an unmarked line the header counts as context, but which is not the next file line, is refused', () => {
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -1,4 +1,4 @@', '-c', '--- note', '+NEW', '+', '}', ''].join('\n');
  const r = repair(reply, { 'f.txt': lines('c', '-- note', '', '}') });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /"\}" after the hunk/);
  // The same line where the file has it is context that lost its space, and is restored.
  const fine = ok(['--- a/f.txt', '+++ b/f.txt', '@@ -1,4 +1,4 @@', '-c', '--- note', '+NEW', '+', ' ', '}', ''].join('\n'), { 'f.txt': lines('c', '-- note', '', '}') });
  assert.equal(post(fine, 'f.txt'), lines('NEW', '', '', '}'));
});

// Found with FC_SEED=1106004327 FC_RUNS=5 (after the fix above): two alignments of "\treturn x"
// gave the same edit but different extents, and the extent decided on which side of "+NEW" the
// dropped "func f() {" went; the first alignment found was taken.
test('regression: alignments whose extent decides where a dropped line goes are not merged into one place', () => {
  const base = lines('\treturn x', 'a', '\treturn x', '\tx := 1', 'func f() {', '# title', '# title', '\tx := 1', '\tx := 1');
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -3,6 +3,7 @@', ' \treturn x', ' \tx := 1', '+NEW', ' # title', ' # title', ' \tx := 1', ''].join('\n');
  const r = repair(reply, { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
});

// Found with FC_SEED=-1847054916 FC_RUNS=5: a clean diff giving a file of equal lines its final
// newline was refused, for a reading that moved its "\ No newline" line off the file's last line.
test('regression: a clean diff adding the final newline to a file of equal lines passes through', () => {
  const base = ['\treturn x', '\treturn x', '\treturn x', '\treturn x', '\treturn x'].join('\n');
  const diff = ['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt', '@@ -2,4 +2,4 @@', ' \treturn x', ' \treturn x', ' \treturn x', '-\treturn x', '\\ No newline at end of file', '+\treturn x', ''].join('\n');
  const r = ok(diff, { 'f.txt': base });
  assert.equal(r.diff, diff);
  assert.deepEqual(r.fixes, []);
  assert.equal(post(r, 'f.txt'), `${base}\n`);
});

// Found with FC_SEED=656885859 FC_RUNS=5: the blank line after the hunk lost its space and the
// "\treturn x" before it was dropped; the blank was taken for a separator.
test('regression: a blank line the header counts after the hunk, where the file has another line, is refused', () => {
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -2,4 +2,6 @@', ' b', ' # title', '+NEW', '+x = 2', '', ''].join('\n');
  const r = repair(reply, { 'f.txt': lines('b', 'b', '# title', '\treturn x', '') });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /header counts "" after the hunk/);
});

// Found with FC_SEED=-891669036 FC_RUNS=5: as above, but with header counts that happen to fit the
// body, so only the file shows that "c" is context written after a dropped line.
test('regression: an unmarked line after a hunk that is the file\'s line a little further on is refused', () => {
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -1,1 +1,2 @@', '-}', '+', '+\tnew', 'c', ''].join('\n');
  const r = repair(reply, { 'f.txt': lines('}', 'b', 'c') });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /"c" after the hunk is the file's line 3/);
  // Prose after the hunk is still prose.
  const prose = ok(['--- a/f.txt', '+++ b/f.txt', '@@ -1,1 +1,2 @@', '-}', '+', '+\tnew', 'That is all.', ''].join('\n'), { 'f.txt': lines('}', 'b', 'c') });
  assert.equal(post(prose, 'f.txt'), lines('', '\tnew', 'b', 'c'));
});

// Found with FC_SEED=-1276286684 FC_RUNS=5: the hunk's last line lost its space and the line
// before the added ones was dropped; the header still counted it, but nothing else showed it.
test('regression: a hunk whose header counts more lines than its body and unmarked end show is refused', () => {
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -1,3 +1,5 @@', ' -- note', '+', '+x = 2', '\tx := 1', ''].join('\n');
  const r = repair(reply, { 'f.txt': lines('-- note', '\tx := 1', '\tx := 1') });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /header counts 2 line\(s\) after the hunk's body, but only 1/);
});

// Found with FC_SEED=467138934 FC_RUNS=5: "b / -b / \ No newline" against "b b b" lost the last
// "b" after the removed one; the marker was taken to pin the removed line to the file's end.
test('regression: a hunk ending in a removed line whose header counts a lost line is not pinned to the end', () => {
  const r = repair(['--- a/f.txt', '+++ b/f.txt', '@@ -1,3 +1,2 @@', ' b', '-b', '\\ No newline at end of file', ''].join('\n'), { 'f.txt': 'b\nb\nb' });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
});

// Found with FC_SEED=542623718 FC_RUNS=5: a clean diff changing the last of five equal lines was
// questioned because the run of equal lines allowed a reading with one line restored.
test('regression: a clean hunk in a run of equal lines at the end of the file passes through', () => {
  const base = lines('func f() {', '\tx := 1', '\tx := 1', '\tx := 1', '\tx := 1', '\tx := 1');
  const diff = ['diff --git a/f.txt b/f.txt', '--- a/f.txt', '+++ b/f.txt', '@@ -3,4 +3,4 @@', ' \tx := 1', ' \tx := 1', ' \tx := 1', '-\tx := 1', '+NEW', '\\ No newline at end of file', ''].join('\n');
  const r = ok(diff, { 'f.txt': base });
  assert.equal(r.diff, diff);
  assert.deepEqual(r.fixes, []);
  assert.equal(post(r, 'f.txt'), 'func f() {\n\tx := 1\n\tx := 1\n\tx := 1\n\tx := 1\nNEW');
});

// Found with FC_SEED=590557480 FC_RUNS=5: "-x / \ No newline / +x" under `@@ -1 +1 @@`, against
// "x\nx" without a final newline, lost its context line; the numbers picked line 1, where the
// removed line has a newline, while the marker puts it at the end.
test('regression: line numbers that a no-newline marker contradicts are refused, not followed', () => {
  const reply = ['--- f.txt', '+++ f.txt', '@@ -1 +1 @@', '-\treturn x', '\\ No newline at end of file', '+\treturn x', ''].join('\n');
  const r = repair(reply, { 'f.txt': '\treturn x\n\treturn x' });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /No newline at end of file.*file's end/);
});

test('a file the caller marks hidden is refused by name before any file content is used', () => {
  const env = lines('USER=app', 'PASSWORD=s3cret', 'HOST=localhost');
  const files: FileSource = { get: (p) => (p === 'a.txt' ? Buffer.from(A) : p === '.env' ? Buffer.from(env) : null) };
  const hidden = (p: string): string | null => (p === '.env' ? 'not shown' : null);
  // A sloppy hunk the engine would pad from the file, after a clean one of a visible file.
  const reply = `${lines('--- a/a.txt', '+++ b/a.txt', '@@ -1,3 +1,3 @@', ' one', '-two', '+TWO', ' three')}--- a/.env\n+++ b/.env\n@@ -3 +3 @@\n-HOST=localhost\n+HOST=db\n`;
  const padded = repairReply(reply, files, { repoName: null });
  assert.ok(padded.ok && padded.diff.includes('PASSWORD=s3cret'), 'without the option the file pads the hunk');
  for (const text of [reply, lines('diff --git a/.env b/.env', 'deleted file mode 100644', '--- a/.env', '+++ /dev/null', '@@ -1 +0,0 @@', '-USER=app'), lines('--- a/.env', '+++ b/.env', '@@ -2 +2 @@', '-PASSWORD=guess', '+PASSWORD=x')]) {
    const r = repairReply(text, files, { repoName: null, hidden });
    assert.equal(r.ok, false);
    assert.deepEqual(r.refusal, { file: '.env', hunk: null, reason: 'not shown', expected: null, found: null, closest: null });
    assert.equal(JSON.stringify(r).includes('s3cret'), false);
  }
  // A new file is no one's secret.
  ok(lines('--- /dev/null', '+++ b/new.txt', '@@ -0,0 +1 @@', '+hello'), {});
  assert.equal(repairReply(lines('--- /dev/null', '+++ b/new.txt', '@@ -0,0 +1 @@', '+hello'), files, { repoName: null, hidden }).ok, true);
});

test('a hunk that lost one of two blank context lines fits two alignments with the same result: taken as one, and logged', () => {
  const base = lines('Q', 'R', 'A', '', '', 'B', 'S', 'T', 'U', 'V');
  // Written from "A / '' / '' / +X / B / S / T" with the second blank line dropped.
  const r = ok(['--- a/f.txt', '+++ b/f.txt', '@@ -3,6 +3,7 @@', ' A', ' ', '+X', ' B', ' S', ' T', ''].join('\n'), { 'f.txt': base });
  assert.equal(post(r, 'f.txt'), lines('Q', 'R', 'A', '', '', 'X', 'B', 'S', 'T', 'U', 'V'));
  const fix = r.fixes.find((f) => f.kind === 'same-result-readings');
  assert.match(fix?.detail ?? '', /at line 3 in 2 ways .* taken as one/);
  assert.deepEqual(repair(r.diff, { 'f.txt': base }).fixes, [], 'the repaired diff is clean');
});

test('alignments at the same line that give different files are still refused', () => {
  const base = lines('Q', 'R', 'A', '', '', 'B', 'S', 'T', 'U', 'V');
  // X between the two blank lines, or after both: each alignment reads one of them.
  const r = repair(['--- a/f.txt', '+++ b/f.txt', '@@ -2,7 +2,8 @@', ' R', ' A', ' ', '+X', ' B', ' S', ' T', ''].join('\n'), { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /fit the file at lines 2, 2/);
});

test('a context line dropped between added and removed lines goes where git would have it: removed lines never follow added ones', () => {
  const base = lines('0', '1', '2', '3', 'K', 'M', 'E', '7', '8', '9', '10');
  // Written from " 1 2 3 -K +K2 +A M -E +E2 7 8 9" with "M" dropped: "M" before "+A" or
  // before "+K2" would leave "+A -E", which git never writes.
  const r = ok(['--- a/f.txt', '+++ b/f.txt', '@@ -2,9 +2,10 @@', ' 1', ' 2', ' 3', '-K', '+K2', '+A', '-E', '+E2', ' 7', ' 8', ' 9', ''].join('\n'), { 'f.txt': base });
  assert.equal(post(r, 'f.txt'), lines('0', '1', '2', '3', 'K2', 'A', 'M', 'E2', '7', '8', '9', '10'));
  assert.ok(kinds(r).includes('place-dropped-context'));
});

test('two identical regions: the hunk whose counts agree once its unmarked blank line is counted is placed by its numbers, and the other takes the place left', () => {
  const region = ['import', '', 'func {', '\tR', '}', 'END', ''];
  const base = lines('a', 'b', ...region, 'c', 'd', 'e', 'f', ...region, 'g');
  // Blank context lines lost their space; hunk 1 also lost its "}".
  const reply = [
    '--- a/f.txt', '+++ b/f.txt',
    '@@ -3,7 +3,7 @@', ' import', '', ' func {', '-\tR', '+\tS', ' END', '',
    '@@ -14,7 +14,7 @@', ' import', '', ' func {', '-\tR', '+\tS', ' }', ' END', '',
    '',
  ].join('\n');
  const r = ok(reply, { 'f.txt': base });
  const changed = region.map((l) => (l === '\tR' ? '\tS' : l));
  assert.equal(post(r, 'f.txt'), lines('a', 'b', ...changed, 'c', 'd', 'e', 'f', ...changed, 'g'));
});

/** `git diff` of `path` from `base` to each of `posts`, each against the same base commit. */
async function gitDiffs(path: string, base: string, ...posts: string[]): Promise<string[]> {
  const repo = await makeRepo({ [path]: base });
  const out: string[] = [];
  for (const content of posts) {
    writeFileSync(join(repo.root, path), content);
    out.push(await git(repo.root, ['diff']));
  }
  return out;
}
const indexLine = (diff: string): string => /^index .*$/m.exec(diff)?.[0] ?? '';
const withoutLine = (diff: string, line: string, nth = 0): string => {
  const ls = diff.split('\n');
  const at = ls.flatMap((l, i) => (l === line ? [i] : []))[nth] as number;
  return [...ls.slice(0, at), ...ls.slice(at + 1)].join('\n');
};

test('a dropped line that fits on either side of added lines: the index line names the result, and that reading is taken', async () => {
  const base = lines('a1', 'a2', 'a3', 'import (', '\t"fmt"', ')', '', '// G', 'func G() {}', 'b1', 'b2', 'b3');
  // Two changes in one hunk; the blank line between them is dropped, so each side of "+// F" fits git's shape.
  const postA = lines('a1', 'a2', 'a3', 'import (', '\t"fmt"', '\t"os"', ')', '', '// F', 'func F() {}', '', '// G', 'func G() {}', 'b1', 'b2', 'b3');
  const postB = lines('a1', 'a2', 'a3', 'import (', '\t"fmt"', '\t"os"', ')', '// F', 'func F() {}', '', '', '// G', 'func G() {}', 'b1', 'b2', 'b3');
  const [diffA, diffB] = (await gitDiffs('f.go', base, postA, postB)) as [string, string];
  const broken = withoutLine(diffA, ' ');
  const bare = repair(broken.replace(`${indexLine(diffA)}\n`, ''), { 'f.go': base });
  assert.match(bare.error ?? '', /whether it goes before or after the added lines cannot be told/);

  const a = ok(broken, { 'f.go': base });
  assert.equal(post(a, 'f.go'), postA);
  assert.ok(kinds(a).includes('index-line-reading'), kinds(a).join());
  // The same lines with the index line of the other reading's file: that one.
  const b = ok(broken.replace(indexLine(diffA), indexLine(diffB)), { 'f.go': base });
  assert.equal(post(b, 'f.go'), postB);
  // Both repaired diffs are complete: read again, they need nothing.
  for (const r of [a, b]) assert.deepEqual(kinds(repair(r.diff, { 'f.go': base })), []);
  // An index line written against other content says nothing about this base: refused as without it.
  const foreign = repair(broken.replace(/^index \w+\./m, 'index 1234567.'), { 'f.go': base });
  assert.match(foreign.error ?? '', /cannot be told/);
  // A source that lets go of a base file once the engine is done with it (as check-patch's does)
  // gives the same: the engine is done only after the readings have been tried on its bytes.
  const held = new Map([['f.go', Buffer.from(base)]]);
  const letGo = repairReply(broken, { get: (p) => held.get(p), done: (p) => void held.delete(p) }, { repoName: null });
  assert.equal(post(letGo, 'f.go'), postA, letGo.error ?? '');
  assert.equal(held.size, 0, 'the engine said it was done with the file');
});

test('a repair whose result is not the file the index line names is refused; the diff as written is taken whatever its index line says', async () => {
  const base = 'b\n\tx := 1\n\n\n';
  const intended = 'b\n\tx := 1\n\nx = 2\nx = 2\n\n';
  const [diff] = (await gitDiffs('f.txt', base, intended)) as [string];
  // The blank context lines are lost (the one before the added lines dropped, the one after left
  // without its space, a separator then) and the counts are off: the hunk fits right after
  // "\tx := 1", one line early, which only the index line shows.
  const broken = [...diff.split('\n').slice(0, 4), '@@ -1,2 +1,4 @@', ' b', ' \tx := 1', '+x = 2', '+x = 2', '', ''].join('\n');
  assert.match(repair(broken, { 'f.txt': base }).error ?? '', /its index line names this base file and, as the result, blob \w+, but the repaired hunks give blob \w+/);
  assert.equal(post(ok(broken.replace(`${indexLine(diff)}\n`, ''), { 'f.txt': base }), 'f.txt'), 'b\n\tx := 1\nx = 2\nx = 2\n\n\n', 'without it, the one reading is taken');
  // Edited by hand after git wrote it (one added line more), and taken as written: git applies it so.
  const edited = diff.replace('+x = 2\n', '+x = 2\n+x = 3\n').replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/m, (_, a, b, c, d) => `@@ -${a},${b} +${c},${Number(d) + 1} @@`);
  assert.equal(post(ok(edited, { 'f.txt': base }), 'f.txt'), 'b\n\tx := 1\n\nx = 2\nx = 3\nx = 2\n\n');
});

test('a hunk that fits two places under a bare @@ line: the index line picks the place whose result it names', async () => {
  const block = ['Usage:', '  tool [flags]', '', 'Commands:', '  run   :: run it', '  help  :: help', ''];
  const around = (one: string[], two: string[]): string => lines('# tool', '', ...one, 'Note.', 'Done.', '', 'Other.', '', ...two, 'Note.', 'Done.');
  const edited = block.map((l) => l.replace(' :: ', ' '));
  const [base, first, second] = [around(block, block), around(edited, block), around(block, edited)];
  const [diffFirst, diffSecond] = (await gitDiffs('README.md', base, first, second)) as [string, string];
  const bareHeader = (d: string): string => d.replace(/^@@ .*$/m, '@@');
  assert.equal(bareHeader(diffFirst).replace(indexLine(diffFirst), ''), bareHeader(diffSecond).replace(indexLine(diffSecond), ''), 'the same hunk but for the index line');
  assert.match(repair(bareHeader(diffSecond).replace(`${indexLine(diffSecond)}\n`, ''), { 'README.md': base }).error ?? '', /fit the file at lines 4, 16,/);
  assert.equal(post(ok(bareHeader(diffSecond), { 'README.md': base }), 'README.md'), second);
  assert.equal(post(ok(bareHeader(diffFirst), { 'README.md': base }), 'README.md'), first);
});

test('a last line removed and added back without its "\\ No newline" line: the index line says whether the file loses its newline', async () => {
  const base = lines('func f() {', '\treturn 1', '\t// old', '}');
  const post1 = 'func f() {\n\treturn 1\n}';
  const [diff] = (await gitDiffs('f.go', base, post1)) as [string];
  const broken = diff.replace('\\ No newline at end of file\n', '');
  assert.match(repair(broken.replace(`${indexLine(diff)}\n`, ''), { 'f.go': base }).error ?? '', /adds it back unchanged/);
  const r = ok(broken, { 'f.go': base });
  assert.equal(post(r, 'f.go'), post1);
  assert.ok(kinds(r).includes('index-line-reading'), kinds(r).join());
});

test('line numbers that one hunk shows to be shifted pick no place for another (FC_SEED=17221191 FC_RUNS=5)', () => {
  const base = lines('', 'x', 'a', '', '', 'x', 'a', '', '');
  // Written for "+NEW" at line 1 and "-" at the end, every number shifted by 4: hunk 1's (5) is the
  // second place its lines fit, but hunk 2's (10) is no place at all, so neither number is believed.
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -5,3 +5,4 @@', '+NEW', ' ', ' x', ' a', '@@ -10,4 +11,3 @@', ' x', ' a', ' ', '-', ''].join('\n');
  const r = repair(reply, { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /hunk 1: the hunk's lines fit the file at lines 1, 5, and its header line numbers cannot be trusted/);
  // Numbers that no hunk contradicts still place it.
  const right = ok(reply.replace('@@ -5,3 +5,4 @@', '@@ -1,3 +1,4 @@').replace('@@ -10,4 +11,3 @@', '@@ -6,4 +7,3 @@'), { 'f.txt': base });
  assert.equal(post(right, 'f.txt'), lines('NEW', '', 'x', 'a', '', '', 'x', 'a', ''));
});

test('a line number pointing at a second fit where the hunk is not git-shaped, while at the other fit it is, is a contradiction (FC_SEED=770426262 FC_RUNS=5)', () => {
  const base = lines('', 'b', 'x', 'x', '', '', '', 'b', 'x', 'x', 'a', 'a', '', 'a');
  // Written at line 1 (one context line before: the file's start), its number shifted to 7, the
  // other place the lines fit; there git would have written three lines before the change.
  const reply = ['--- a/f.txt', '+++ b/f.txt', '@@ -7,4 +7,7 @@', ' ', '+', '+NEW', '+x = 2', ' b', ' x', ' x', ''].join('\n');
  const r = repair(reply, { 'f.txt': base });
  assert.equal(r.ok, false, `repaired to ${JSON.stringify(r.expected[0]?.content?.toString())}`);
  assert.match(r.error ?? '', /its line numbers points at line 7, where its context is not what git writes, but at line 1 it is/);
  // With the context git writes at line 7, the number is taken.
  const at7 = ok(['--- a/f.txt', '+++ b/f.txt', '@@ -5,6 +5,9 @@', ' ', ' ', ' ', '+', '+NEW', '+x = 2', ' b', ' x', ' x', ''].join('\n'), { 'f.txt': base });
  assert.equal(post(at7, 'f.txt'), lines('', 'b', 'x', 'x', '', '', '', '', 'NEW', 'x = 2', 'b', 'x', 'x', 'a', 'a', '', 'a'));
});

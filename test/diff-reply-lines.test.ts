/**
 * The reply read by line offsets (reply-diff.ts): the lines it gives are the lines a split on
 * '\n' gives, for any text; a hunk's lines exist only while its file is repaired; and the checks
 * that scan a whole reply once say what one search per pattern said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runs } from './support/fc-seed.js';
import { LineTable, materializeHunks, readReplyDiff, releaseHunks } from '../src/diff/repair/reply-diff.js';
import { filesNeeded, repairReply, repairReplyAsync, sameText } from '../src/diff/engine.js';
import { rawReplyRefusal } from '../src/core/patch-policy.js';
import { GitMemo } from '../src/git/memo.js';
import { splitLines, TextLines } from '../src/diff/parse.js';

/** What the engine read lines as before offsets: split on '\n', the last '\r' of each taken off. */
function splitReference(text: string): Array<{ text: string; cr: boolean }> {
  if (text === '') return [];
  const raw = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  return raw.map((l) => (l.endsWith('\r') ? { text: l.slice(0, -1), cr: true } : { text: l, cr: false }));
}

/** Text made of the characters that decide where lines end and what they start with. */
const linesText = fc.array(fc.constantFrom('\n', '\r', '\r\n', 'a', ' ', '-', '+', '@@', '\\', '--- ', '+++ ', 'diff --git ', '\u2028', 'é', '😀'), { maxLength: 40 }).map((parts) => parts.join(''));

test('line offsets give the same lines, line endings and first characters as splitting the text', () => {
  const prefixes = ['--- ', '+++ ', '@@', 'diff --git ', ' ', '-'];
  fc.assert(
    fc.property(linesText, (text) => {
      const table = new LineTable(text);
      const want = splitReference(text);
      assert.equal(table.count, want.length);
      want.forEach((line, i) => {
        assert.deepEqual(table.line(i), line);
        assert.equal(table.first(i), line.text === '' ? -1 : line.text.charCodeAt(0));
        for (const prefix of prefixes) assert.equal(table.startsWith(i, prefix), line.text.startsWith(prefix), `line ${i} ${JSON.stringify(line.text)} ${prefix}`);
      });
      assert.equal(table.startsWith(want.length, '-'), false);
    }),
    { numRuns: runs(500) },
  );
  for (const [text, lines] of [
    ['', []],
    ['\n', [{ text: '', cr: false }]],
    ['\r', [{ text: '', cr: true }]],
    ['a\rb\n', [{ text: 'a\rb', cr: false }]],
    ['a\r\r\n', [{ text: 'a\r', cr: true }]],
    ['x\n\ny', [{ text: 'x', cr: false }, { text: '', cr: false }, { text: 'y', cr: false }]],
  ] as const) {
    const table = new LineTable(text);
    assert.deepEqual(Array.from({ length: table.count }, (_, i) => table.line(i)), lines, JSON.stringify(text));
  }
});

test('TextLines gives the lines splitLines gives, with or without their final \\r, and says which it left out', () => {
  fc.assert(
    fc.property(linesText, (text) => {
      const want = splitLines(text).lines;
      for (const dropsCr of [false, true]) {
        const lines = new TextLines(text, dropsCr);
        assert.equal(lines.length, want.length);
        want.forEach((line, i) => {
          const cut = dropsCr && line.endsWith('\r');
          const expected = cut ? line.slice(0, -1) : line;
          assert.equal(lines.at(i), expected);
          assert.equal(lines.droppedCr(i), cut);
          assert.equal(lines.empty(i), expected === '');
          assert.equal(Number.isNaN(lines.first(i)) ? -1 : lines.first(i), expected === '' ? -1 : expected.charCodeAt(0));
          assert.equal(lines.startsWith(i, '--- '), expected.startsWith('--- '));
        });
        assert.equal(lines.at(want.length), undefined);
        assert.equal(lines.startsWith(want.length, ''), false);
      }
    }),
    { numRuns: runs(500) },
  );
});

test("a hunk's lines are made for its file's repair only: read before or after, they throw rather than read as empty", () => {
  const diff = readReplyDiff('prose\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n ctx\n-old\n+new\n\nafter\n');
  assert.equal(diff.lines[0]?.text, 'prose');
  assert.equal(diff.lines[4]?.text, '@@ -1,2 +1,2 @@');
  assert.throws(() => diff.lines[5]?.text, /not materialized/);
  const hunks = diff.files[0]!.hunks;
  assert.equal(hunks[0]!.body.length, 0);
  assert.deepEqual(hunks[0]!.trailing, [8, 9]);
  materializeHunks(diff, hunks);
  assert.deepEqual(
    hunks[0]!.body.map((b) => [b.kind, b.text, b.index]),
    [
      ['context', 'ctx', 5],
      ['removed', 'old', 6],
      ['added', 'new', 7],
    ],
  );
  assert.equal(diff.lines[9]?.text, 'after');
  releaseHunks(diff, hunks);
  assert.equal(hunks[0]!.body.length, 0);
  assert.throws(() => diff.lines[6]?.text, /not materialized/);
  // Lines after the body stay: those the file does not take as context go to the notes.
  assert.equal(diff.lines[9]?.text, 'after');
});

test('the shape of every hunk (context shown around its changes, added lines only) is read without making its lines', () => {
  const diff = readReplyDiff(
    ['--- a/x', '+++ b/x', '@@ -1,9 +1,9 @@', ' a', ' b', ' c', ' d', ' e', '-f', '+g', ' h', '\\ No newline at end of file', '--- /dev/null', '+++ b/y', '@@ -0,0 +1,2 @@', '+n', '', '+m', ''].join('\n'),
  );
  assert.equal(diff.widestContext, 5);
  assert.deepEqual(diff.files.map((f) => diff.pure.get(f)), [false, true]);
  assert.equal(diff.crLines, 0);
  assert.equal(readReplyDiff('--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\n').crLines, 4);
});

test('a repaired diff is compared with the reply in place: equal only when the parts joined by newlines are the text', () => {
  assert.equal(sameText(['a', 'b'], 'a\nb\n'), true);
  assert.equal(sameText(['a', 'b'], 'a\nb'), false);
  assert.equal(sameText(['a', 'b'], 'a\nbc\n'), false);
  assert.equal(sameText(['a\nb'], 'a\nb\n'), true);
  assert.equal(sameText(['a', 'b'], 'a\nb\n\n'), false);
  assert.equal(sameText([], ''), false);
});

/** The refusal as it was found before the single scan: one multiline search per marker, in order. */
const MARKER_REASONS: Array<[RegExp, RegExp]> = [
  [/^GIT binary patch\s*$/m, /binary patch/],
  [/^Binary files .* differ\s*$/m, /binary file/],
  [/^(old|new) mode [0-7]{6}\s*$/m, /file mode \(old mode/],
  [/^(new|deleted) file mode (?!100644\s*$)[0-7]{6}\s*$/m, /mode other than 100644/],
  [/^index [0-9a-f]+\.\.[0-9a-f]+ (?!100644\s*$|100755\s*$)[0-7]{6}\s*$/m, /neither 100644 nor 100755/],
  [/^[-+ ]?Subproject commit [0-9a-f]+/m, /submodule/],
];

test('the raw reply is scanned once for refused markers and finds what one search per marker found', () => {
  const piece = fc.constantFrom(
    '\n', '\r', '\r\n', '\u2028', ' ', '  \n', 'x', '+', '-',
    'GIT binary patch', 'Binary files a/x and b/x differ', 'old mode 100755', 'new mode 100644',
    'new file mode 100644', 'new file mode 100755', 'deleted file mode 120000', 'index 1a..2b 100644',
    'index 1a..2b 100755', 'index 1a..2b 160000', 'Subproject commit 0af', ' Subproject commit 1',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), (reply) => {
      const want = MARKER_REASONS.find(([pattern]) => pattern.test(reply));
      const got = rawReplyRefusal(reply);
      if (want === undefined) assert.equal(got, null, JSON.stringify(reply));
      else assert.match(got ?? '', want[1], JSON.stringify(reply));
    }),
    { numRuns: runs(1000) },
  );
});

test('short memo keys kept as they are never collide with each other or with long ones', async () => {
  const memo = new GitMemo();
  try {
    const a = await memo.once(['ab', 'c'], async () => 1);
    const b = await memo.once(['a', 'bc'], async () => 2);
    const c = await memo.once(['a', 'bc'], async () => 3);
    const long = await memo.once(['x'.repeat(300)], async () => 4);
    const longAgain = await memo.once(['x'.repeat(300)], async () => 5);
    assert.deepEqual([a, b, c, long, longAgain], [1, 2, 2, 4, 4]);
    assert.equal(memo.has(['ab', 'c']), true);
    assert.equal(memo.has(['abc']), false);
  } finally {
    await memo.close();
  }
});

test('the engine says when it is done with a base file, once, after reading it; read again, the content is missing and the reply refused, never another file used', () => {
  const reply = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n';
  const contents = new Map<string, Buffer>([['x', Buffer.from('a\nb\n')]]);
  const done: string[] = [];
  const source = { get: (p: string) => contents.get(p) ?? null, done: (p: string) => void done.push(p) };
  filesNeeded(reply, { repoName: null });
  const repaired = repairReply(reply, source, { repoName: null });
  assert.equal(repaired.ok, true, repaired.error ?? '');
  assert.deepEqual(done, ['x']);
  // A source that lets go of what is done (as check-patch's does) answers "not provided" afterwards.
  const letGo = { get: (p: string) => contents.get(p), done: (p: string) => void contents.delete(p) };
  repairReply(reply, letGo, { repoName: null });
  const again = repairReply(reply, { get: (p: string) => (p === 'x' ? contents.get(p) : null) }, { repoName: null });
  assert.equal(again.ok, false);
  assert.match(again.error ?? '', /not provided to the engine/);
});

test('repairReplyAsync repairs each file only once its content has arrived, and gives what repairReply gives', async () => {
  const base: Record<string, string> = { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'four\nfive\nsix\n' };
  // Broken on purpose (no a/ b/, wrong counts), so the repair reads both files' lines to fix it.
  const reply = ['--- a.txt', '+++ a.txt', '@@ -1,3 +1,3 @@', ' one', '-two', '+TWO', ' three', '--- b.txt', '+++ b.txt', '@@ -1,2 +1,9 @@', ' four', '-five', '+FIVE', ' six', ''].join('\n');
  const expected = repairReply(reply, { get: (path) => (path in base ? Buffer.from(base[path]!) : null) }, { repoName: null });
  assert.equal(expected.ok, true, expected.error ?? '');

  const arrived = new Set<string>();
  const asked: string[] = [];
  // Before its content arrives a file exists, but what the source holds for it is not its content.
  const get = (path: string): Buffer | null => (path in base ? Buffer.from(arrived.has(path) ? base[path]! : 'not yet\n') : null);
  const outcome = await repairReplyAsync(reply, { get }, { repoName: null }, (path) => {
    asked.push(path);
    return new Promise((resolve) => setTimeout(() => resolve(arrived.add(path)), 5));
  });
  assert.deepEqual(outcome, expected);
  assert.deepEqual(asked, ['a.txt', 'b.txt']);
});

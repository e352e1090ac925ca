import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runs } from './support/fc-seed.js';
import { addedLines, DiffParseError, formatDiff, parseDiff, parseDiffFiles } from '../src/diff/parse.js';

test('hunk extent comes from the lines, not from the header counts', () => {
  const text = ['--- a/x', '+++ b/x', '@@ -1,1 +1,1 @@', ' a', '+b', '+c', '--- a/y', '+++ b/y', '@@ -1,9 +1,9 @@', '-d', '+e', ''].join('\n');
  const d = parseDiff(text);
  assert.equal(d.files.length, 2);
  const [x, y] = d.files;
  assert.deepEqual([x?.hunks[0]?.oldLines, x?.hunks[0]?.newLines], [1, 3]);
  assert.deepEqual([y?.hunks[0]?.oldLines, y?.hunks[0]?.newLines], [1, 1]);
  assert.deepEqual(addedLines(d, x!), ['b', 'c']);
});

test('a removed line that looks like a header stays in its hunk', () => {
  const text = ['--- a/x.sql', '+++ b/x.sql', '@@ -1,2 +1,1 @@', '--- a comment', '-++ not a header', ''].join('\n');
  const d = parseDiff(text);
  assert.equal(d.files.length, 1);
  assert.equal(d.files[0]?.hunks[0]?.oldLines, 2);
});

test('unprefixed paths are flagged, /dev/null sides are null', () => {
  const d = parseDiff(['--- src/a.ts', '+++ src/a.ts', '@@ -1 +1 @@', '-a', '+b', '--- /dev/null', '+++ b/n.ts', '@@ -0,0 +1 @@', '+n', ''].join('\n'));
  assert.deepEqual(d.files.map((f) => [f.oldPath, f.newPath, f.kind, f.prefixed]), [
    ['src/a.ts', 'src/a.ts', 'modify', false],
    [null, 'n.ts', 'add', true],
  ]);
});

test('text with no file patch throws the typed DiffParseError', () => {
  assert.throws(() => parseDiff('hello\n'), DiffParseError);
  assert.throws(() => parseDiff('@@ -1 +1 @@\n-a\n+b\n'), DiffParseError);
});

test('parsing never loses a byte: joining the lines gives the input back', () => {
  const piece = fc.oneof(fc.constantFrom('diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@', ' c', '+a', '-d', '', '\\ No newline at end of file'), fc.string({ maxLength: 8 }));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.boolean(), (lines, end) => {
      const text = lines.join('\n') + (end ? '\n' : '');
      try {
        const d = parseDiff(text);
        assert.equal(formatDiff(d.lines, d.finalNewline), text);
      } catch (error) {
        if (!(error instanceof DiffParseError)) throw error;
      }
    }),
    { numRuns: runs(1000) },
  );
});

test('parseDiffFiles finds the same files, hunks and errors as parseDiff, for any diff-like text', () => {
  const piece = fc.oneof(
    fc.constantFrom('diff --git a/x b/x', 'diff --git a/y b/z', '--- a/x', '+++ b/x', '--- x', '+++ x', '--- /dev/null', '+++ /dev/null', '@@ -1,2 +1,2 @@', '@@ -1 +1 @@ f()', '@@ -0,0 +1 @@', '@@ ... @@', ' ctx', '-old', '+new', '', '\r', ' ctx\r', '\\ No newline at end of file', 'new file mode 100644', 'deleted file mode 100644', 'index 1234567..89abcde 100644', 'rename from x', 'rename to y', 'Binary files a/x and b/x differ', '-- x', 'prose'),
    fc.string({ maxLength: 12 }),
  );
  const text = fc.tuple(fc.array(piece, { maxLength: 40 }), fc.boolean()).map(([parts, end]) => parts.join('\n') + (end ? '\n' : ''));
  const outcome = (read: () => unknown): unknown => {
    try {
      return read();
    } catch (error) {
      if (error instanceof DiffParseError) return `error: ${error.message}`;
      throw error;
    }
  };
  fc.assert(
    fc.property(text, (t) => {
      assert.deepEqual(
        outcome(() => parseDiffFiles(t)),
        outcome(() => parseDiff(t).files),
      );
    }),
    { numRuns: runs(500) },
  );
});

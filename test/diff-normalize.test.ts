import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runs } from './support/fc-seed.js';
import { normalizeReply } from '../src/diff/normalize.js';

/** Real `git diff` output: modify, add, delete, rename with edit, mode change, no-newline marker. */
const CLEAN = [
  'diff --git a/a.txt b/a.txt',
  'index b2f931a..9642008 100644',
  '--- a/a.txt',
  '+++ b/a.txt',
  '@@ -1,5 +1,6 @@ section text',
  ' one',
  '-two',
  '+TWO',
  ' three',
  ' four',
  ' five',
  '+six',
  'diff --git a/new.txt b/new.txt',
  'new file mode 100644',
  'index 0000000..07f33c4',
  '--- /dev/null',
  '+++ b/new.txt',
  '@@ -0,0 +1,2 @@',
  '+new',
  '+file',
  'diff --git a/old.txt b/old.txt',
  'deleted file mode 100644',
  'index 2fa992c..0000000',
  '--- a/old.txt',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-keep',
  'diff --git a/src/from.ts b/src/to.ts',
  'similarity index 90%',
  'rename from src/from.ts',
  'rename to src/to.ts',
  'index 1111111..2222222 100644',
  '--- a/src/from.ts',
  '+++ b/src/to.ts',
  '@@ -1,2 +1,2 @@',
  ' a',
  '-b',
  '\\ No newline at end of file',
  '+b',
  'diff --git a/run.sh b/run.sh',
  'old mode 100644',
  'new mode 100755',
  'diff --git a/empty.txt b/empty.txt',
  'new file mode 100644',
  'index 0000000..e69de29',
  '',
].join('\n');

test('a clean diff passes through byte-for-byte with zero fixes', () => {
  const r = normalizeReply(CLEAN);
  assert.equal(r.ok, true, r.error ?? '');
  assert.equal(r.diff, CLEAN);
  assert.deepEqual(r.fixes, []);
  assert.equal(r.notes, '');
  assert.equal(r.error, null);
  assert.deepEqual(r.files, [
    { oldPath: 'a.txt', newPath: 'a.txt', kind: 'modify' },
    { oldPath: null, newPath: 'new.txt', kind: 'add' },
    { oldPath: 'old.txt', newPath: null, kind: 'delete' },
    { oldPath: 'src/from.ts', newPath: 'src/to.ts', kind: 'rename' },
    { oldPath: 'run.sh', newPath: 'run.sh', kind: 'modify' },
    { oldPath: null, newPath: 'empty.txt', kind: 'add' },
  ]);
});

test('a fenced clean diff comes out as the same bytes, with only the extraction logged', () => {
  const r = normalizeReply(`Done.\n\`\`\`diff\n${CLEAN}\`\`\``);
  assert.equal(r.diff, CLEAN);
  assert.deepEqual(r.fixes.map((f) => f.kind), ['strip-fences', 'strip-prose']);
  assert.equal(r.notes, 'Done.');
});

test('hunk counts too low are recounted, with the header before and after', () => {
  const reply = ['--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,2 @@ fn', ' one', '-two', '+TWO', '+extra', ' three', ''].join('\n');
  const r = normalizeReply(reply);
  assert.equal(r.ok, true);
  assert.deepEqual(r.fixes, [
    {
      kind: 'recount-hunk',
      file: 'a.txt',
      hunk: 1,
      detail: 'the header counted 2 old / 2 new lines but the hunk has 3 / 4; recounted',
      before: '@@ -1,2 +1,2 @@ fn',
      after: '@@ -1,3 +1,4 @@ fn',
    },
  ]);
  assert.equal(r.diff, reply.replace('@@ -1,2 +1,2 @@ fn', '@@ -1,3 +1,4 @@ fn'));
});

test('hunk counts too high are recounted, per hunk and per file', () => {
  const reply = [
    'diff --git a/a.txt b/a.txt',
    '--- a/a.txt',
    '+++ b/a.txt',
    '@@ -1,9 +1,9 @@',
    ' one',
    '-two',
    '+TWO',
    '@@ -20,3 +20,3 @@',
    ' x',
    '-y',
    '+z',
    ' w',
    'diff --git a/b.txt b/b.txt',
    '--- a/b.txt',
    '+++ b/b.txt',
    '@@ -4,7 +4,8 @@',
    '-q',
    '+r',
    '',
  ].join('\n');
  const r = normalizeReply(reply);
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.fixes.map((f) => [f.file, f.hunk, f.before, f.after]),
    [
      ['a.txt', 1, '@@ -1,9 +1,9 @@', '@@ -1,2 +1,2 @@'],
      ['b.txt', 1, '@@ -4,7 +4,8 @@', '@@ -4,1 +4,1 @@'],
    ],
  );
  assert.deepEqual(normalizeReply(r.diff).fixes, [], 'normalizing again changes nothing');
});

test('empty lines inside a hunk are context lines whose space was stripped', () => {
  const reply = ['--- a/a.txt', '+++ b/a.txt', '@@ -1,3 +1,3 @@', ' one', '', '-two', '+TWO', ''].join('\n');
  const r = normalizeReply(reply);
  assert.deepEqual(r.fixes, []);
  assert.equal(r.diff, reply);
});

test('a trailing blank line is context only when the header needs it', () => {
  const needed = ['--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,2 @@', '-two', '+TWO', '', ''].join('\n');
  assert.deepEqual(normalizeReply(needed).fixes, []);
  const extra = ['--- a/a.txt', '+++ b/a.txt', '@@ -1 +1 @@', '-two', '+TWO', '', ''].join('\n');
  const r = normalizeReply(extra);
  assert.deepEqual(r.fixes.map((f) => [f.kind, f.detail]), [['strip-prose', 'removed 1 blank line around the diff']]);
  assert.equal(r.diff, extra.slice(0, -1));
});

test('a missing trailing newline is added and logged', () => {
  const reply = ['--- a/a.txt', '+++ b/a.txt', '@@ -1 +1 @@', '-two', '+TWO'].join('\n');
  const r = normalizeReply(reply);
  assert.equal(r.ok, true);
  assert.equal(r.diff, `${reply}\n`);
  assert.deepEqual(r.fixes, [
    { kind: 'trailing-newline', file: null, hunk: null, detail: 'the diff did not end with a newline; added one', before: '+TWO', after: '+TWO\n' },
  ]);
});

test('fixes from every stage are listed in order', () => {
  const body = ['--- a/a.txt', '+++ b/a.txt', '@@ -1 +1 @@', '-two', '+TWO', '+three'].join('\r\n');
  const r = normalizeReply(`<think>hmm</think>\r\nHere:\r\n${body}`);
  assert.equal(r.ok, true);
  assert.deepEqual(r.fixes.map((f) => f.kind), ['crlf', 'strip-think', 'strip-prose', 'recount-hunk', 'trailing-newline']);
  assert.equal(r.diff, ['--- a/a.txt', '+++ b/a.txt', '@@ -1 +1,2 @@', '-two', '+TWO', '+three', ''].join('\n'));
});

test('a/ and b/ prefixes are stripped in files; quoted names are unquoted', () => {
  const reply = ['diff --git "a/sp ace\\303\\244.txt" "b/sp ace\\303\\244.txt"', '--- "a/sp ace\\303\\244.txt"', '+++ "b/sp ace\\303\\244.txt"', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
  assert.deepEqual(normalizeReply(reply).files, [{ oldPath: 'sp aceä.txt', newPath: 'sp aceä.txt', kind: 'modify' }]);
  const stamped = ['--- a/x.c\t2024-01-01 10:00:00', '+++ b/x.c\t2024-01-02 10:00:00', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
  assert.deepEqual(normalizeReply(stamped).files, [{ oldPath: 'x.c', newPath: 'x.c', kind: 'modify' }]);
});

test('unusable input gives ok:false with a one-line error', () => {
  const cases = [
    '',
    'I cannot help with that.',
    '@@ -1 +1 @@\n-a\n+b\n',
    '--- a/x\n+++ b/x\n@@ bad header @@\n-a\n+b\n',
    '--- a/x\n+++ b/x\n',
    '--- a/x\n+++ b/x\n@@ -1 +1 @@\nprose right away\n',
  ];
  for (const reply of cases) {
    const r = normalizeReply(reply);
    assert.equal(r.ok, false, JSON.stringify(reply));
    assert.equal(r.diff, '');
    assert.deepEqual(r.files, []);
    assert.ok(r.error && !r.error.includes('\n'), JSON.stringify(r.error));
  }
});

const LINE_PIECES = [
  'diff --git a/x b/x', 'diff --git ', '--- a/x', '+++ b/x', '--- /dev/null', '+++ /dev/null', '--- "a/\\', '@@ -1,2 +1,3 @@',
  '@@ -0,0 +1 @@', '@@ -99999999999999999999,1 +1 @@', '@@', ' ctx', '+add', '-del', '', '\\ No newline at end of file',
  '```diff', '```', '~~~', '<think>', '</think>', 'rename from x', 'rename to ', 'new file mode 100644',
  'deleted file mode 100644', 'Binary files a/x and b/x differ', 'index 0000000..1111111 100644',
];

test('normalizeReply never throws, on arbitrary strings or diff-like line soups', () => {
  const check = (reply: string): void => {
    const r = normalizeReply(reply);
    assert.equal(typeof r.ok, 'boolean');
    if (r.ok) {
      assert.equal(r.error, null);
      assert.ok(r.diff.endsWith('\n'));
    } else assert.ok(r.error && !r.error.includes('\n'));
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: runs(500) });
  const line = fc.oneof(fc.constantFrom(...LINE_PIECES), fc.string({ maxLength: 12 }));
  const soup = fc.tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([lines, sep, end]) => lines.join(sep) + (end ? sep : ''));
  fc.assert(fc.property(soup, check), { numRuns: runs(2000) });
});

/**
 * Whole-file replies to unified diffs: each tolerated fault converts to the exact intended change,
 * each elision or hostile path is refused with its location.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertWholeReply } from '../src/diff/edit-formats/index.js';
import { engineApply, gitApply, reader, type Files } from './support/edit-format-check.js';
import { removeRepos } from './support/git-fixture.js';

after(removeRepos);

const GO = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n';
const GO2 = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, world")\n}\n';

function ok(pre: Files, reply: string) {
  const r = convertWholeReply(reply, reader(pre));
  assert.equal(r.ok, true, r.ok ? '' : `${r.reason} (line ${r.line})`);
  if (!r.ok) throw new Error('unreachable');
  return r;
}

function refused(pre: Files, reply: string, pattern: RegExp, line?: number) {
  const r = convertWholeReply(reply, reader(pre));
  assert.equal(r.ok, false, r.ok ? r.diff : '');
  if (r.ok) throw new Error('unreachable');
  assert.match(r.reason, pattern);
  if (line !== undefined) assert.equal(r.line, line, r.reason);
  return r;
}

test('a clean whole-file reply gives git\'s diff, which git applies and the engine passes untouched', async () => {
  const pre = { 'main.go': GO };
  const r = ok(pre, `main.go\n\`\`\`go\n${GO2}\`\`\`\n`);
  assert.equal(
    r.diff,
    'diff --git a/main.go b/main.go\n--- a/main.go\n+++ b/main.go\n@@ -3,5 +3,5 @@\n' +
      ' import "fmt"\n \n func main() {\n-\tfmt.Println("hello")\n+\tfmt.Println("hello, world")\n }\n',
  );
  assert.deepEqual(r.steps, []);
  assert.deepEqual(r.files, ['main.go']);
  assert.deepEqual(engineApply(pre, r.diff), { 'main.go': GO2 });
  assert.deepEqual(await gitApply(pre, r.diff, ['main.go']), { 'main.go': GO2 });
});

test('prose, language tags, CRLF, ./ a/ b/ prefixes and decorated path lines are tolerated and logged', async () => {
  const pre = { 'src/a.go': GO, 'b.txt': 'one\ntwo\n' };
  const reply = [
    'Sure! Here are the changes.',
    '',
    '**`./src/a.go`**:',
    '```golang',
    ...GO2.trimEnd().split('\n'),
    '```',
    'And:',
    'b/b.txt',
    '~~~text',
    'one',
    'three',
    '~~~',
    'Hope this helps.',
  ].join('\r\n');
  const r = ok(pre, reply);
  const fixes = r.steps.map((s) => s.fix);
  for (const f of ['dot-slash-prefix', 'ab-prefix', 'crlf', 'strip-prose']) assert.ok(fixes.includes(f), `${f} in ${fixes.join(',')}`);
  assert.deepEqual(r.files, ['b.txt', 'src/a.go']);
  const post = { 'src/a.go': GO2, 'b.txt': 'one\nthree\n' };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['src/a.go', 'b.txt']), post);
});

test('the final newline and CRLF endings follow the file, and are logged', async () => {
  const pre = { 'x.txt': 'a\nb', 'w.txt': 'a\r\nb\r\n' };
  const r = ok(pre, 'x.txt\n```\na\nc\n```\nw.txt\n```\na\nc\n```\n');
  assert.ok(r.steps.some((s) => s.fix === 'final-newline' && s.path === 'x.txt'));
  assert.ok(r.steps.some((s) => s.fix === 'crlf-file' && s.path === 'w.txt'));
  assert.match(r.diff, /\+c\n\\ No newline at end of file\n/);
  const post = { 'x.txt': 'a\nc', 'w.txt': 'a\r\nc\r\n' };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['x.txt', 'w.txt']), post);
});

test('whitespace at line ends is taken as written and flagged; blank lines before the closing fence are not the file\'s', () => {
  // A block cannot tell a cleanup from a slip: the change is kept, and named for the reviewer.
  const pre = { 'r.md': 'Title  \ntext\n', 'm.txt': 'a\r\nb\nc\r\n' };
  const r = ok(pre, 'r.md\n```md\nTitle\ntext\nmore\n\n\n```\n');
  assert.deepEqual(r.steps.map((s) => s.fix).sort(), ['trailing-blank-lines', 'whitespace-only-lines']);
  assert.equal(r.steps.find((s) => s.fix === 'whitespace-only-lines')?.line, 3);
  assert.deepEqual(engineApply(pre, r.diff), { ...pre, 'r.md': 'Title\ntext\nmore\n' });
  // A '\r' is a line ending: in a file with mixed endings, each unchanged line keeps its own.
  const m = ok(pre, 'm.txt\n```\na\nb\nc\nd\n```\n');
  assert.deepEqual(engineApply(pre, m.diff), { ...pre, 'm.txt': 'a\r\nb\nc\r\nd\n' });
  refused(pre, 'm.txt\n```\na\nb\nc\n```\n', /changes nothing/);
});

test('a line of spaces at the end of a block is content, not padding: the file keeps it as the block writes it', async () => {
  // Found by the edit-format property with whitespace-only lines: counted as padding, the file's
  // last line " " was left out (a block holding only it refused as empty), or an empty line kept
  // in its place.
  const pre = { 's.txt': 'c\n }\n \n', 'n.txt': ' a\n a\n ', 'o.txt': ' \nfunc f() {\n' };
  const r = ok(pre, 's.txt\n```\nc\n }\n\n \n```\nn.txt\n```\n a\n a\n\n \n```\no.txt\n```\n \n```\n');
  const post = { 's.txt': 'c\n }\n\n \n', 'n.txt': ' a\n a\n\n ', 'o.txt': ' \n' };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['s.txt', 'n.txt', 'o.txt']), post);
  assert.ok(!r.steps.some((s) => s.fix === 'trailing-blank-lines'));
  // Empty lines after it are still the model's padding.
  const padded = ok(pre, 's.txt\n```\nc\n }\n\n \n\n\n```\n');
  assert.deepEqual(engineApply(pre, padded.diff), { ...pre, 's.txt': 'c\n }\n\n \n' });
  assert.ok(padded.steps.some((s) => s.fix === 'trailing-blank-lines'));
});

test('new files, deleted files and empty files', async () => {
  const pre = { 'old.txt': 'gone\n', 'empty.txt': '', 'keep.txt': 'k\n' };
  const r = ok(pre, 'DELETE old.txt\nDELETE empty.txt\nnew/file.txt\n```\nhello\n```\nnew/empty.txt\n```\n```\n');
  assert.deepEqual(r.files, ['empty.txt', 'new/empty.txt', 'new/file.txt', 'old.txt']);
  const post = { 'keep.txt': 'k\n', 'new/file.txt': 'hello\n', 'new/empty.txt': '' };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['old.txt', 'empty.txt', 'new/file.txt', 'new/empty.txt']), { 'old.txt': null, 'empty.txt': null, 'new/file.txt': 'hello\n', 'new/empty.txt': '' });
});

test('a glued closing fence is taken off the last line; an unclosed block is refused as cut off', () => {
  const pre = { 'main.go': GO };
  const r = ok(pre, `main.go\n\`\`\`go\n${GO2.trimEnd()}\`\`\``);
  assert.ok(r.steps.some((s) => s.fix === 'glued-fence'));
  assert.deepEqual(engineApply(pre, r.diff), { 'main.go': GO2 });
  refused(pre, `main.go\n\`\`\`go\npackage main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Pri`, /never closed.*cut off/, 2);
});

test('elisions are refused with the reply line, never filled in', () => {
  const big = 'package main\n\nimport "fmt"\n\nfunc a() {\n\tfmt.Println(1)\n}\n\nfunc b() {\n\tfmt.Println(2)\n}\n\nfunc c() {\n\tfmt.Println(3)\n}\n';
  const pre = { 'm.go': big, 'm.py': 'def a():\n    return 1\n\n\ndef b():\n    return 2\n' };
  refused(pre, 'm.go\n```go\npackage main\n\n// ... existing code ...\n\nfunc c() {\n\tfmt.Println(4)\n}\n```\n', /line 5 .*leaves out of m\.go.*existing code/, 5);
  refused(pre, 'm.py\n```python\ndef a():\n    return 5\n# rest unchanged\n```\n', /rest unchanged/, 5);
  refused(pre, 'm.go\n```go\npackage main\n\nimport "fmt"\n\n...\n\nfunc c() {\n\tfmt.Println(3)\n}\n```\n', /line 7 /, 7);
  // The one-character ellipsis too.
  refused(pre, 'm.go\n```go\npackage main\n\nimport "fmt"\n\n…\n\nfunc c() {\n\tfmt.Println(3)\n}\n```\n', /line 7 /, 7);
  refused(pre, 'm.go\n```go\npackage main\n\nimport "fmt"\n\nfunc a() {\n\tfmt.Println(1)\n}\n\nfunc b() {\n```\n', /cut off.*'\{' open/);
  // Cut in the middle of what it adds, every line of the file kept: a cut all the same.
  refused(pre, `m.go\n\`\`\`go\n${big}\nfunc d() {\n\tif true {\n\t\tfmt.Println(4)\n\`\`\`\n`, /cut off: it leaves 2 more '\{' open/);
  refused(pre, 'm.go\n```go\npackage main\n\nfunc a() { ... }\n\nfunc b() {\n\tfmt.Println(2)\n}\n\nfunc c() {\n\tfmt.Println(3)\n}\n```\n', /func a\(\) \{ \.\.\. \}/);
});

test('what looks like an elision but is not one is converted', () => {
  // A Python stub's "..." that replaces nothing; a "# ..." comment already in the file is content.
  const pre = { 's.py': 'class P:\n    # ...\n    pass\n' };
  const r = ok(pre, 's.py\n```python\nclass P:\n    # ...\n    pass\n\n    def f(self) -> int:\n        ...\n```\n');
  assert.deepEqual(engineApply(pre, r.diff), { 's.py': 'class P:\n    # ...\n    pass\n\n    def f(self) -> int:\n        ...\n' });
  // The same "..." in place of a line of the file is read as standing for it.
  refused(pre, 's.py\n```python\nclass P:\n    # ...\n    def f(self) -> int:\n        ...\n```\n', /line 6 .*"\.\.\."/, 6);
  // Dropping the file's end on purpose, at a whole structure, is a change a person reviews.
  const go = { 'm.go': 'package main\n\nfunc a() {}\n\nfunc b() {}\n' };
  assert.deepEqual(engineApply(go, ok(go, 'm.go\n```go\npackage main\n\nfunc a() {}\n```\n').diff), { 'm.go': 'package main\n\nfunc a() {}\n' });
});

test('hostile and unusable paths are refused, naming the line', () => {
  const pre = { 'a.txt': 'x\n' };
  refused(pre, '/etc/passwd\n```\nroot\n```\n', /absolute/, 1);
  refused(pre, '../x.txt\n```\nx\n```\n', /'\.\.'/, 1);
  refused(pre, '.git/config\n```\nx\n```\n', /\.git/, 1);
  refused(pre, '..\n```\nx\n```\n', /'\.\.'/, 1);
  refused(pre, 'src/\u001b[31mred.txt\n```\nx\n```\n', /control character/, 1);
  refused(pre, 'DELETE .git/HEAD\n', /\.git/, 1);
  refused(pre, 'Here is the file:\n```\nx\n```\n', /no path line/, 2);
  refused(pre, 'b/new.txt\n```\nx\n```\n', /diff prefix or a folder/);
  refused(pre, 'a.txt\n```\ny\n```\na.txt\n```\nz\n```\n', /named twice, at lines 1 and 5/);
  refused(pre, 'DELETE nope.txt\n', /does not exist/);
  refused(pre, 'a.txt\n```\n```\n', /is empty.*DELETE a\.txt/);
  refused(pre, 'x.md\n```md\n# T\n```bash\nls\n```\n```\n', /opens another fenced block/, 4);
  refused(pre, 'no blocks at all', /no file blocks/);
});

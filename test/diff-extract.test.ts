import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractDiff } from '../src/diff/extract.js';

const DIFF = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,2 @@', ' one', '-two', '+TWO', ''].join('\n');
const DIFF_B = ['diff --git a/b.txt b/b.txt', '--- a/b.txt', '+++ b/b.txt', '@@ -1 +1 @@', '-x', '+y', ''].join('\n');

function ok(reply: string) {
  const result = extractDiff(reply);
  if ('error' in result) assert.fail(`unexpected error: ${result.error}`);
  return result;
}

test('a bare diff is returned unchanged with no fixes', () => {
  const r = ok(DIFF);
  assert.equal(r.diff, DIFF);
  assert.equal(r.notes, '');
  assert.deepEqual(r.fixes, []);
});

test('a ```diff fenced block with prose around it', () => {
  const r = ok(`Here is the change:\n\n\`\`\`diff\n${DIFF}\`\`\`\n\nIt uppercases two.`);
  assert.equal(r.diff, DIFF);
  assert.equal(r.notes, 'Here is the change:\n\nIt uppercases two.');
  assert.deepEqual(r.fixes.map((f) => f.kind), ['strip-fences', 'strip-prose']);
  assert.equal(r.fixes[0]?.before, '```diff');
});

test('```patch and plain ``` fences are accepted; non-diff blocks stay in the notes', () => {
  assert.equal(ok(`\`\`\`patch\n${DIFF}\`\`\``).diff, DIFF);
  const r = ok(`Example:\n\`\`\`ts\nconst x = 1;\n\`\`\`\n\`\`\`\n${DIFF}\`\`\``);
  assert.equal(r.diff, DIFF);
  assert.match(r.notes, /const x = 1;/);
});

test('several fenced blocks, one per file, are concatenated in order', () => {
  const r = ok(`First file:\n\`\`\`diff\n${DIFF}\`\`\`\nSecond file:\n\`\`\`diff\n${DIFF_B}\`\`\`\n`);
  assert.equal(r.diff, DIFF + DIFF_B);
  assert.equal(r.notes, 'First file:\nSecond file:');
  assert.equal(r.fixes.filter((f) => f.kind === 'strip-fences').length, 2);
});

test('an unclosed fence takes the diff up to the end of the reply', () => {
  const r = ok(`\`\`\`diff\n${DIFF}`);
  assert.equal(r.diff, DIFF);
  assert.match(r.fixes[0]?.detail ?? '', /closing fence is missing/);
});

test('a longer fence wraps a diff that contains ``` lines', () => {
  const inner = ['--- a/README.md', '+++ b/README.md', '@@ -1,2 +1,3 @@', ' # Title', '+```sh', ' text', ''].join('\n');
  assert.equal(ok(`\`\`\`\`diff\n${inner}\`\`\`\`\n`).diff, inner);
});

test('an unfenced diff surrounded by prose', () => {
  const r = ok(`I changed a.txt.\n${DIFF}That is all.\n`);
  assert.equal(r.diff, DIFF);
  assert.equal(r.notes, 'I changed a.txt.\nThat is all.');
  assert.deepEqual(r.fixes.map((f) => f.kind), ['strip-prose']);
});

test('unfenced diffs starting at --- or @@ are found', () => {
  const plain = ['--- a/a.txt', '+++ b/a.txt', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
  assert.equal(ok(`Patch:\n${plain}`).diff, plain);
  const bare = ['@@ -1 +1 @@', '-a', '+b', ''].join('\n');
  assert.equal(ok(`Only a hunk:\n${bare}`).diff, bare);
});

test('unfenced diff pieces separated by prose are joined', () => {
  const r = ok(`For a:\n${DIFF}And for b:\n${DIFF_B}`);
  assert.equal(r.diff, DIFF + DIFF_B);
  assert.equal(r.notes, 'For a:\nAnd for b:');
});

test('<think> blocks are removed and never used as the diff', () => {
  const draft = DIFF.replace('+TWO', '+DRAFT');
  const r = ok(`<think>\nLet me draft:\n${draft}\nok.\n</think>\n${DIFF}`);
  assert.equal(r.diff, DIFF);
  assert.deepEqual(r.fixes.map((f) => f.kind), ['strip-think', 'strip-prose']);
  assert.doesNotMatch(r.notes, /DRAFT/);
});

test('a think block with only a draft diff gives an error, not the draft', () => {
  const result = extractDiff(`<think>\n${DIFF}</think>\nI could not finish.`);
  assert.ok('error' in result);
  assert.match(result.error, /<think>/);
});

test('an unclosed <think> and a reply starting inside the reasoning are both stripped', () => {
  assert.ok('error' in extractDiff(`<think>\nstill thinking\n${DIFF}`));
  const r = ok(`reasoning with a draft\n${DIFF}</think>\n${DIFF_B}`);
  assert.equal(r.diff, DIFF_B);
  assert.equal(r.fixes[0]?.kind, 'strip-think');
});

test('a diff that adds a literal </think> line is left alone', () => {
  const d = ['--- a/p.ts', '+++ b/p.ts', '@@ -1 +1,2 @@', ' x', '+const end = "</think>";', ''].join('\n');
  const r = ok(d);
  assert.equal(r.diff, d);
  assert.deepEqual(r.fixes, []);
});

test('CRLF line endings become LF and are logged', () => {
  const r = ok(DIFF.replaceAll('\n', '\r\n'));
  assert.equal(r.diff, DIFF);
  assert.equal(r.fixes[0]?.kind, 'crlf');
  assert.match(r.fixes[0]?.detail ?? '', /7 CRLF/);
});

test('a reply without a diff is an error', () => {
  for (const reply of ['', 'Sorry, I cannot do that.', '```ts\nconst a = 1;\n```', '--- just a rule']) {
    const result = extractDiff(reply);
    assert.ok('error' in result, reply);
    assert.doesNotMatch(result.error, /\n/);
  }
});

test('a missing final newline is kept for the repair step to log', () => {
  assert.equal(ok(DIFF.slice(0, -1)).diff, DIFF.slice(0, -1));
  assert.equal(ok(`Text\n${DIFF.slice(0, -1)}`).diff, DIFF.slice(0, -1));
});

test('prose inside a fenced block, before or after the diff, goes to the notes', () => {
  const r = ok(`\`\`\`diff\nThe patch:\n${DIFF}\n\`\`\``);
  assert.equal(r.diff, DIFF);
  assert.equal(r.notes, 'The patch:');
});

test('countHunkHeaders counts lines that start with @@, and nothing else', async () => {
  const { countHunkHeaders } = await import('../src/diff/hunk-count.js');
  assert.equal(countHunkHeaders(''), 0);
  assert.equal(countHunkHeaders('@@ -1 +1 @@\n-a\n+b\n'), 1);
  assert.equal(countHunkHeaders('text @@ not a header\n @@ context\n@@ -1 +1 @@\n@@ -2 +2 @@'), 2);
});

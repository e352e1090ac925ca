/**
 * SEARCH/REPLACE replies to unified diffs: each block matches one place of the file as it is, by
 * the repair engine's matching, or the reply is refused naming the block.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertSearchReplaceReply } from '../src/diff/edit-formats/index.js';
import { engineApply, gitApply, reader, type Files } from './support/edit-format-check.js';
import { removeRepos } from './support/git-fixture.js';

after(removeRepos);

const GO = 'package main\n\nimport "fmt"\n\nfunc a() {\n\tfmt.Println(1)\n}\n\nfunc b() {\n\tfmt.Println(2)\n}\n';

function ok(pre: Files, reply: string) {
  const r = convertSearchReplaceReply(reply, reader(pre));
  assert.equal(r.ok, true, r.ok ? '' : `${r.reason} (line ${r.line})`);
  if (!r.ok) throw new Error('unreachable');
  return r;
}

function refused(pre: Files, reply: string, pattern: RegExp, line?: number) {
  const r = convertSearchReplaceReply(reply, reader(pre));
  assert.equal(r.ok, false, r.ok ? r.diff : '');
  if (r.ok) throw new Error('unreachable');
  assert.match(r.reason, pattern);
  if (line !== undefined) assert.equal(r.line, line, r.reason);
  return r;
}

const block = (path: string, search: string, replace: string): string => `${path}\n\`\`\`go\n<<<<<<< SEARCH\n${search}=======\n${replace}>>>>>>> REPLACE\n\`\`\`\n`;

test('a clean block gives git\'s diff, which git applies and the engine passes untouched', async () => {
  const pre = { 'm.go': GO };
  const r = ok(pre, `Here you go:\n\n${block('m.go', '\tfmt.Println(2)\n', '\tfmt.Println(3)\n')}\nDone.`);
  assert.deepEqual(r.steps, []);
  const post = { 'm.go': GO.replace('Println(2)', 'Println(3)') };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['m.go']), post);
});

test('blocks in the wrong order, several in one fence, whitespace drift, CRLF: converted and logged', async () => {
  const pre = { 'm.go': GO };
  const reply = [
    'm.go',
    '```go',
    '<<<<<<< SEARCH',
    '    fmt.Println(2)',
    '=======',
    '    fmt.Println(2)',
    '    fmt.Println(22)',
    '>>>>>>> REPLACE',
    '<<<<<<< SEARCH',
    'func a() {',
    '=======',
    'func a() { // first',
    '>>>>>>> REPLACE',
    '```',
  ].join('\r\n');
  const r = ok(pre, reply);
  assert.deepEqual(r.steps.map((s) => s.fix).sort(), ['crlf', 'crlf', 'reorder-blocks', 'search-whitespace']);
  const post = { 'm.go': GO.replace('func a() {', 'func a() { // first').replace('\tfmt.Println(2)\n', '\tfmt.Println(2)\n    fmt.Println(22)\n') };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['m.go']), post);
});

test('an empty SEARCH creates a file; DELETE deletes one; the final newline and CRLF follow the file', async () => {
  const pre = { 'old.txt': 'x\n', 'n.txt': 'a\nb', 'w.txt': 'a\r\nb\r\n' };
  const reply = `DELETE old.txt\n${block('new/x.go', '', 'package x\n')}${block('n.txt', 'b\n', 'c\n')}${block('w.txt', 'b\n', 'c\n')}`;
  const r = ok(pre, reply);
  assert.ok(r.steps.some((s) => s.fix === 'final-newline' && s.path === 'n.txt'));
  assert.ok(r.steps.some((s) => s.fix === 'crlf-file' && s.path === 'w.txt'));
  const post = { 'new/x.go': 'package x\n', 'n.txt': 'a\nc', 'w.txt': 'a\r\nc\r\n' };
  assert.deepEqual(engineApply(pre, r.diff), post);
  assert.deepEqual(await gitApply(pre, r.diff, ['old.txt', 'new/x.go', 'n.txt', 'w.txt']), { 'old.txt': null, ...post });
});

test('a new file keeps a last line of spaces; only the empty lines before >>>>>>> REPLACE are padding', () => {
  const r = ok({}, block('new/p.md', '', '# P\n  \n\n\n'));
  assert.deepEqual(engineApply({}, r.diff), { 'new/p.md': '# P\n  \n' });
  assert.match(r.steps.find((s) => s.fix === 'trailing-blank-lines')?.message ?? '', /left out 2 empty line\(s\)/);
});

test('a SEARCH that matches twice, nowhere, or overlaps another block is refused, naming it', () => {
  const pre = { 'm.go': GO, 'r.rst': 'Title\n=====\n\ntext\n' };
  refused(pre, block('m.go', '}\n', '} // end\n'), /matches m\.go in 2 places \(lines 7 and 11\)/, 3);
  refused(pre, block('m.go', 'func a() {\n\tfmt.Println(2)\n', 'x\n'), /does not match m\.go: it fits best at line 5.*"\\tfmt\.Println\(2\)" is "\\tfmt\.Println\(1\)"/, 5);
  refused(pre, block('m.go', 'func a() {\n}\n', 'x\n'), /does not match/);
  refused(pre, block('m.go', 'func a() {\n\tfmt.Println(1)\n', 'A\n') + block('m.go', '\tfmt.Println(1)\n}\n', 'B\n'), /blocks at lines 3 and 12 both match line 6 of m\.go/);
  refused(pre, block('r.rst', 'Title\n=====\n', 'T\n=\n'), /second =======/);
  refused(pre, block('m.go', '', 'x\n'), /empty SEARCH, but m\.go exists/);
  refused(pre, block('nope.go', 'x\n', 'y\n'), /nope\.go, which does not exist/);
  refused(pre, 'm.go\n<<<<<<< SEARCH\nfunc a() {\n=======\nfunc a() {\n', /never closed.*cut off/, 2);
  refused(pre, 'm.go\n<<<<<<< SEARCH\nfunc a() {\n', /no ======= .*cut off/, 2);
  refused(pre, '<<<<<<< SEARCH\nfunc a() {\n=======\nx\n>>>>>>> REPLACE\n', /no path line/, 1);
  refused(pre, '/etc/passwd\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n', /absolute/, 1);
  refused(pre, 'just prose', /no SEARCH\/REPLACE blocks/);
});

test('a REPLACE that elides code is refused with its line', () => {
  const pre = { 'm.go': GO };
  refused(pre, block('m.go', 'func a() {\n\tfmt.Println(1)\n}\n', 'func a() {\n\t// ... existing code ...\n\tfmt.Println(9)\n}\n'), /line 9 .*existing code/, 9);
  refused(pre, block('m.go', 'func a() {\n\tfmt.Println(1)\n}\n', 'func a() {\n\t...\n}\n'), /"\.\.\."/);
});

test('a file the executor was not shown is refused before its content is used, in both formats', async () => {
  const { convertWholeReply } = await import('../src/diff/edit-formats/index.js');
  const pre = { 'secret.go': 'package secret\n\nconst key = "hunter2"\n' };
  const hidden = (p: string) => (p === 'secret.go' ? `the executor cannot see ${p}` : null);
  const read = (p: string) => {
    if (p === 'secret.go') return pre['secret.go'];
    return undefined;
  };
  const sr = convertSearchReplaceReply(block('secret.go', 'nothing like it\n', 'x\n'), read, { hidden });
  assert.equal(sr.ok, false);
  assert.ok(!sr.ok && sr.reason === 'the executor cannot see secret.go' && sr.path === 'secret.go');
  const whole = convertWholeReply('secret.go\n```\nx\n```\n', read, { hidden });
  assert.ok(!whole.ok && whole.reason === 'the executor cannot see secret.go');
  assert.ok(!JSON.stringify([sr, whole]).includes('hunter2'));
});

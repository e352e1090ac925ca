import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { makeRepo, removeRepos } from './support/git-fixture.js';

const GO = ['package main', '', 'import "fmt"', '', 'func main() {', '\tfmt.Println("hello")', '}', ''].join('\n');
const TWICE = ['a', 'same', 'same', 'b', 'same', 'same', 'c', ''].join('\n');

/** As a small model writes it: fenced, with prose, no a/ b/ prefixes, no diff --git line, counts off. */
const BROKEN = [
  'Sure, here is the fix:',
  '```diff',
  '--- main.go',
  '+++ main.go',
  '@@ -5,3 +5,3 @@',
  ' func main() {',
  '-    fmt.Println("hello")',
  '+\tfmt.Println("hello, world")',
  '+\tfmt.Println("bye")',
  ' }',
  '```',
].join('\n');

describe('check-patch', () => {
  let root: string;
  let scratch: string;
  before(async () => {
    ({ root } = await makeRepo({ 'main.go': GO, 'twice.txt': TWICE }));
    scratch = mkdtempSync(path.join(tmpdir(), 'check-patch-'));
  });
  after(async () => {
    await removeRepos();
    rmSync(scratch, { recursive: true, force: true });
  });
  const cli = (args: string[], input?: string) => runCli(args, { cwd: root, ...(input === undefined ? {} : { input }) });

  test('repairs a broken diff, writes it to --out and the report to --report, exit 0', async () => {
    writeFileSync(path.join(scratch, 'reply.txt'), BROKEN);
    const result = await cli(['check-patch', '--out', path.join(scratch, 'fixed.diff'), '--report', path.join(scratch, 'report.json'), path.join(scratch, 'reply.txt')]);
    assert.equal(result.code, 0, result.stderr);
    const fixed = readFileSync(path.join(scratch, 'fixed.diff'), 'utf8');
    assert.match(fixed, /^diff --git a\/main\.go b\/main\.go$/m);
    const report = JSON.parse(readFileSync(path.join(scratch, 'report.json'), 'utf8'));
    assert.equal(report.ok, true);
    const kinds = report.fixes.map((fix: { kind: string }) => fix.kind);
    assert.ok(kinds.length >= 3, kinds.join(','));
    // What git makes of the repaired diff is exactly what the model meant.
    execFileSync('git', ['apply', path.join(scratch, 'fixed.diff')], { cwd: root });
    assert.equal(readFileSync(path.join(root, 'main.go'), 'utf8'), GO.replace('\tfmt.Println("hello")\n', '\tfmt.Println("hello, world")\n\tfmt.Println("bye")\n'));
    execFileSync('git', ['checkout', '--', '.'], { cwd: root });
  });

  test('reads standard input with -, prints the diff on stdout, and --json gives one object', async () => {
    const plain = await cli(['check-patch', '-'], BROKEN);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^diff --git a\/main\.go b\/main\.go\n/);
    const json = await cli(['check-patch', '--json', '-'], BROKEN);
    assert.equal(json.code, 0);
    const report = JSON.parse(json.stdout).result;
    assert.equal(report.ok, true);
    assert.equal(report.diff, plain.stdout);
  });

  test('a clean diff comes out as the bytes it came in as, on stdout and in --out', async () => {
    // Non-ASCII text, so the bytes and the text differ in length, and a change git writes itself.
    writeFileSync(path.join(root, 'main.go'), GO.replace('hello', 'héllo — ✓ 日本'));
    const diff = execFileSync('git', ['diff', '--', 'main.go'], { cwd: root });
    execFileSync('git', ['checkout', '--', '.'], { cwd: root });
    writeFileSync(path.join(scratch, 'clean.diff'), diff);
    const printed = await cli(['check-patch', path.join(scratch, 'clean.diff')]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, diff.toString('utf8'));
    const out = path.join(scratch, 'clean.out.diff');
    assert.equal((await cli(['check-patch', '--out', out, path.join(scratch, 'clean.diff')])).code, 0);
    assert.ok(readFileSync(out).equals(diff));
  });

  test('a hunk whose context matches in two places is refused, never guessed', async () => {
    const ambiguous = ['--- a/twice.txt', '+++ b/twice.txt', '@@ ... @@', ' same', '-same', '+SAME', ''].join('\n');
    const result = await cli(['check-patch', '--out', path.join(scratch, 'never.diff'), '-'], ambiguous);
    assert.equal(result.code, 1);
    assert.equal(existsSync(path.join(scratch, 'never.diff')), false, 'nothing is written for a refused patch');
    assert.match(result.stderr, /twice\.txt/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  test('context that is not in the file is refused with the line expected, found and the closest match', async () => {
    const wrong = ['--- a/main.go', '+++ b/main.go', '@@ -5,3 +5,3 @@', ' func main() {', '-\tfmt.Println("goodbye")', '+\tfmt.Println("x")', ' }', ''].join('\n');
    const result = await cli(['check-patch', '--json', '-'], wrong);
    assert.equal(result.code, 1);
    const outcome = JSON.parse(result.stdout);
    assert.equal(outcome.exit_code, 1);
    assert.match(outcome.error, /main\.go hunk 1/);
    const report = outcome.result;
    assert.equal(report.ok, false);
    assert.equal(report.diff, null);
    assert.equal(report.refusal.file, 'main.go');
    assert.equal(report.refusal.hunk, 1);
    assert.ok(report.refusal.closest, 'names the closest match');
    const human = await cli(['check-patch', '-'], wrong);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /main\.go hunk 1/);
    assert.match(human.stderr, /closest match at line \d+/);
    // One line, ending in what the person can change: the diff, or the revision it is checked against.
    assert.match(human.stderr, /^error: the patch is refused: .*; correct the diff and run check-patch again, or pass --base REV if it was written against another revision than [0-9a-f]{12}\n$/);
  });

  test('a patch refused for what it is, not for where it goes, is not sent to another base', async () => {
    const binary = ['diff --git a/main.go b/main.go', 'index 1111111..2222222 100644', 'GIT binary patch', 'literal 0', 'HcmV?d00001', '', ''].join('\n');
    const result = await cli(['check-patch', '-'], binary);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: the patch (?:is refused|does not validate): .*binary.*; correct the diff and run check-patch again\n$/m);
  });

  test('--base validates against another revision; the working tree is never touched', async () => {
    writeFileSync(path.join(root, 'main.go'), GO.replace('hello', 'changed in the working tree'));
    const result = await cli(['check-patch', '--base', 'HEAD', '-'], BROKEN);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(path.join(root, 'main.go'), 'utf8'), /changed in the working tree/);
    execFileSync('git', ['checkout', '--', '.'], { cwd: root });
    const unknown = await cli(['check-patch', '--base', 'no-such-rev', '-'], BROKEN);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no-such-rev/);
  });
});

/**
 * `check-patch --format whole|search-replace` through the built CLI: the reply is converted to a
 * diff, each conversion step is printed, and the diff is validated like any other; a refused
 * reply exits 1 with the reply line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { makeRepo, removeRepos } from './support/git-fixture.js';

const GO = ['package main', '', 'import "fmt"', '', 'func main() {', '\tfmt.Println("hello")', '}', '', 'func other() {', '}', ''].join('\n');
const GO2 = GO.replace('"hello"', '"hello, world"');

describe('check-patch --format', () => {
  let root: string;
  let scratch: string;
  before(async () => {
    ({ root } = await makeRepo({ 'main.go': GO, 'old.txt': 'bye\n' }));
    scratch = mkdtempSync(path.join(tmpdir(), 'check-patch-formats-'));
  });
  after(async () => {
    await removeRepos();
    rmSync(scratch, { recursive: true, force: true });
  });
  const cli = (args: string[], input?: string) => runCli(args, { cwd: root, ...(input === undefined ? {} : { input }) });

  test('whole: converts, prints each step, writes a diff git applies to exactly the new files', async () => {
    const reply = `Here is the whole file:\r\n\r\n\`./main.go\`\r\n\`\`\`go\r\n${GO2.trimEnd().split('\n').join('\r\n')}\r\n\`\`\`\r\nDELETE old.txt\r\n`;
    writeFileSync(path.join(scratch, 'whole.txt'), reply);
    const out = path.join(scratch, 'whole.diff');
    const result = await cli(['check-patch', '--format', 'whole', '--out', out, path.join(scratch, 'whole.txt')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^converted dot-slash-prefix \(main\.go, reply line 3\): /m);
    assert.match(result.stderr, /^converted crlf \(main\.go\): /m);
    assert.match(result.stderr, /^ok: converted from whole \(\d+ step\(s\)\), validates against [0-9a-f]{12} \(2 file\(s\), 0 fix\(es\)\)$/m);
    execFileSync('git', ['apply', out], { cwd: root });
    assert.equal(readFileSync(path.join(root, 'main.go'), 'utf8'), GO2);
    assert.throws(() => readFileSync(path.join(root, 'old.txt')));
    execFileSync('git', ['checkout', '--', '.'], { cwd: root });
  });

  test('whole: an elided file is refused with its reply line, exit 1, and --json says why', async () => {
    const reply = 'main.go\n```go\npackage main\n\n// ... existing code ...\n\nfunc other() {\n}\n```\n';
    const plain = await cli(['check-patch', '--format', 'whole', '-'], reply);
    assert.equal(plain.code, 1);
    assert.equal(plain.stdout, '');
    assert.match(plain.stderr, /the reply is refused: line 5 of the reply stands for code it leaves out of main\.go \("\/\/ \.\.\. existing code \.\.\."\)/);
    assert.equal(plain.stderr.trim().split('\n').length, 1, plain.stderr);
    const json = await cli(['check-patch', '--format', 'whole', '--json', '-'], reply);
    assert.equal(json.code, 1);
    const body = JSON.parse(json.stdout);
    assert.equal(body.result.ok, false);
    assert.equal(body.result.format, 'whole');
    assert.equal(body.result.conversion.line, 5);
    assert.equal(body.result.conversion.path, 'main.go');
  });

  test('search-replace: converts and validates; a SEARCH matching twice is refused naming both places', async () => {
    const good = 'main.go\n<<<<<<< SEARCH\n\tfmt.Println("hello")\n=======\n\tfmt.Println("hello, world")\n>>>>>>> REPLACE\n';
    const ok = await cli(['check-patch', '--format', 'search-replace', '-'], good);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^-\tfmt\.Println\("hello"\)\n\+\tfmt\.Println\("hello, world"\)$/m);
    const twice = await cli(['check-patch', '--format', 'search-replace', '-'], 'main.go\n<<<<<<< SEARCH\n}\n=======\n} // end\n>>>>>>> REPLACE\n');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /the reply is refused: the SEARCH of the block at line 2 matches main\.go in 2 places \(lines 7 and 10\)/);
  });

  test('an unknown format is a usage error', async () => {
    const result = await cli(['check-patch', '--format', 'yaml', '-'], '');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /diff, whole, search-replace/);
  });
});

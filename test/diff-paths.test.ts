import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPatchPath } from '../src/diff/paths.js';

test('ordinary repository-relative paths are accepted', () => {
  for (const p of ['a.txt', 'src/diff/parse.ts', '.github/workflows/ci.yml', 'a..b/c', '.gitignore', 'dir/.gitkeep', 'x/...']) {
    assert.equal(checkPatchPath(p), null, p);
  }
});

test('unsafe paths get a one-line reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['/etc/passwd', /absolute/],
    ['C:/x', /absolute/],
    ['../x', /\.\./],
    ['a/../../b', /\.\./],
    ['..', /\.\./],
    ['.git/config', /\.git/],
    ['sub/.git/hooks/pre-commit', /\.git/],
    ['.GIT/config', /\.git/],
    ['a\\b', /backslash/],
    ['a\0b', /NUL/],
  ];
  for (const [p, re] of cases) {
    const reason = checkPatchPath(p);
    assert.ok(reason, JSON.stringify(p));
    assert.match(reason, re);
    assert.doesNotMatch(reason, /\n/);
  }
});

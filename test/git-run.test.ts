import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GitError } from '../src/errors.js';
import { applyPatch, uncommittedPaths } from '../src/git/apply.js';
import { runGit } from '../src/git/run-git.js';
import { makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

test('a failing git command resolves with its exit code and an English message', async () => {
  const { root } = await makeRepo({ 'a.txt': 'a\n' });
  const result = await runGit(['rev-parse', '--verify', 'no-such-branch'], { cwd: root });
  assert.notEqual(result.exitCode, 0);
  assert.match(result.stderr, /fatal/);
});

test('stdin comes from input, stdout is bytes', async () => {
  const { root } = await makeRepo({});
  const result = await runGit(['hash-object', '--stdin'], { cwd: root, input: Buffer.from([0xff, 0x00, 0x0a]) });
  assert.equal(result.exitCode, 0);
  assert.match(result.stdout.toString('utf8'), /^[0-9a-f]{40}\n$/);
});

test('git that cannot be found, or a missing directory, is a GitError', async () => {
  const { root } = await makeRepo({});
  await assert.rejects(runGit(['--version'], { cwd: root, env: { PATH: join(root, 'nowhere') } }), (e: unknown) => e instanceof GitError && e.message === 'git not found: install git');
  await assert.rejects(runGit(['--version'], { cwd: join(root, 'missing') }), (e: unknown) => e instanceof GitError && /does not exist/.test(e.message));
});

test('output over the cap is refused rather than truncated', async () => {
  const { root } = await makeRepo({ 'big.txt': 'x'.repeat(10_000) });
  await assert.rejects(runGit(['cat-file', '-p', 'HEAD:big.txt'], { cwd: root, maxStdoutBytes: 1000 }), GitError);
});

test('an inherited GIT_INDEX_FILE or GIT_DIR never redirects git', async () => {
  const { root } = await makeRepo({ 'a.txt': 'a\n' });
  const saved = { index: process.env.GIT_INDEX_FILE, dir: process.env.GIT_DIR };
  process.env.GIT_INDEX_FILE = join(root, 'elsewhere-index');
  process.env.GIT_DIR = join(root, 'not-a-git-dir');
  try {
    const result = await runGit(['ls-files'], { cwd: root });
    assert.equal(result.stdout.toString('utf8'), 'a.txt\n');
  } finally {
    for (const [name, value] of [['GIT_INDEX_FILE', saved.index], ['GIT_DIR', saved.dir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test('git failing where it should not says what git said and what to do next', async () => {
  const { root } = await makeRepo({ 'a.txt': 'a\n' });
  // A held index lock: the most common way for git to fail in a repository that is otherwise fine.
  (await import('node:fs')).writeFileSync(join(root, '.git', 'index.lock'), '');
  await assert.rejects(
    applyPatch(root, 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n', { index: true }),
    (e: unknown) => e instanceof GitError && /^git apply failed in .*: Unable to create .*index\.lock.*; fix what git reports, then run the command again \(`git fsck` checks the repository\)$/.test(e.message),
  );
  const notRepo = join(root, '.git', 'objects');
  await assert.rejects(uncommittedPaths(notRepo, ['a.txt']), (e: unknown) => e instanceof GitError && /^git status failed in .*; fix what git reports, then run the command again/.test(e.message));
});

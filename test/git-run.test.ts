import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GitError } from '../src/errors.js';
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

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError } from '../src/errors.js';
import { EMPTY_TREE, findRepoRoot, gitUserName, headCommit, resolveRevision } from '../src/git/repository.js';
import { runGit } from '../src/git/run-git.js';
import { makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

test('findRepoRoot finds the top level from a subdirectory', async () => {
  const { root } = await makeRepo({ 'src/deep/a.ts': 'x\n' });
  assert.equal(await findRepoRoot(join(root, 'src', 'deep')), root);
});

test('findRepoRoot outside a repository says what to do', async () => {
  const dir = realpathSync(await mkdtemp(join(tmpdir(), 'llm-orchestrator-norepo-')));
  try {
    await assert.rejects(findRepoRoot(dir), (e: unknown) => e instanceof GitError && e.message === `${dir} is not inside a git repository: run \`git init\` or pass --repo`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('headCommit is null before the first commit, the sha after', async () => {
  const empty = await makeRepo({ 'a.txt': 'a\n' }, { commit: false });
  assert.equal(await headCommit(empty.root), null);
  const repo = await makeRepo({ 'a.txt': 'a\n' });
  assert.equal(await headCommit(repo.root), repo.head);
});

test('EMPTY_TREE is git\'s empty tree', async () => {
  const { root } = await makeRepo({}, { commit: false });
  const result = await runGit(['hash-object', '-t', 'tree', '--stdin'], { cwd: root, input: '' });
  assert.equal(result.stdout.toString('utf8').trim(), EMPTY_TREE);
});

test('gitUserName reads the configured name', async () => {
  const { root } = await makeRepo({});
  assert.equal(await gitUserName(root), 'Test User');
});

test('resolveRevision gives the commit sha or a clear error', async () => {
  const { root, head } = await makeRepo({ 'a.txt': 'a\n' });
  assert.equal(await resolveRevision(root, 'main'), head);
  assert.equal(await resolveRevision(root, 'HEAD'), head);
  assert.equal(await resolveRevision(root, head!.slice(0, 10)), head);
  await assert.rejects(resolveRevision(root, 'nope'), (e: unknown) => e instanceof GitError && /unknown revision "nope"/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(resolveRevision(root, '--all'), GitError);
  await assert.rejects(resolveRevision(root, EMPTY_TREE), GitError, 'a tree is not a commit');
});

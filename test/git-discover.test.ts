import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { worktreeTopWithoutGit } from '../src/git/discover.js';
import { runGit } from '../src/git/run-git.js';
import { git, makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

const scratch: string[] = [];
after(() => scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** What `git rev-parse --show-toplevel` answers in dir, or null where git finds no working tree. */
async function gitsAnswer(dir: string, env: Record<string, string> = {}): Promise<string | null> {
  const result = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir, env });
  const top = result.stdout.toString('utf8').trim();
  return result.exitCode === 0 && top !== '' ? top : null;
}

/** The walk may decline (null: git is asked), but whatever it answers is git's answer. */
async function agreesWithGit(dir: string, env: Record<string, string> = {}): Promise<string | null> {
  const walked = worktreeTopWithoutGit(dir, { ...process.env, ...env });
  if (walked !== null) assert.equal(walked, await gitsAnswer(dir, env), `in ${dir}`);
  return walked;
}

test('the walk finds the top of an ordinary repository from any folder in it, as git does', async () => {
  const { root } = await makeRepo({ 'src/deep/a.ts': 'x\n' });
  assert.equal(await agreesWithGit(root), root);
  assert.equal(await agreesWithGit(join(root, 'src', 'deep')), root);
});

test('the walk resolves symbolic links in the path, as git does', async () => {
  const { root } = await makeRepo({ 'src/a.ts': 'x\n' });
  const outside = realpathSync(mkdtempSync(join(tmpdir(), 'llm-orchestrator-link-')));
  scratch.push(outside);
  symlinkSync(join(root, 'src'), join(outside, 'src-link'));
  assert.equal(await agreesWithGit(join(outside, 'src-link')), root);
});

test('the walk stops at the nearest repository: a repository inside another, a linked worktree, a submodule', async () => {
  const outer = await makeRepo({ 'a.txt': 'a\n' });
  const inner = join(outer.root, 'vendor', 'inner');
  mkdirSync(inner, { recursive: true });
  await git(inner, ['init', '-q']);
  assert.equal(await agreesWithGit(inner), inner);

  const worktree = join(outer.root, '..', `${outer.root.split('/').pop()}-wt`);
  scratch.push(worktree);
  await git(outer.root, ['worktree', 'add', '-q', worktree]);
  assert.equal(await agreesWithGit(worktree), realpathSync(worktree));

  const library = await makeRepo({ 'lib.txt': 'lib\n' });
  await git(outer.root, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', library.root, 'modules/lib']);
  assert.equal(await agreesWithGit(join(outer.root, 'modules', 'lib')), join(outer.root, 'modules', 'lib'));
});

test('where it cannot be sure, the walk leaves the answer to git', async () => {
  const { root } = await makeRepo({ 'src/a.ts': 'x\n' });
  // Inside .git, with variables that change git's search, and with no repository at all.
  assert.equal(await agreesWithGit(join(root, '.git', 'refs')), null);
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM']) {
    assert.equal(worktreeTopWithoutGit(join(root, 'src'), { ...process.env, [name]: root }), null, name);
  }
  const plain = realpathSync(mkdtempSync(join(tmpdir(), 'llm-orchestrator-norepo-')));
  scratch.push(plain);
  assert.equal(await agreesWithGit(plain), null);

  // A bare repository has no working tree; a .git that is not a git directory is not one.
  await git(plain, ['init', '-q', '--bare', 'bare.git']);
  assert.equal(await agreesWithGit(join(plain, 'bare.git')), null);
  mkdirSync(join(plain, 'fake', '.git'), { recursive: true });
  writeFileSync(join(plain, 'fake', '.git', 'HEAD'), 'not a ref\n');
  assert.equal(await agreesWithGit(join(plain, 'fake')), null);
  mkdirSync(join(plain, 'pointer'));
  writeFileSync(join(plain, 'pointer', '.git'), 'gitdir: nowhere\n');
  assert.equal(await agreesWithGit(join(plain, 'pointer')), null);
});

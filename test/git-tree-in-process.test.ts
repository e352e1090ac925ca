import assert from 'node:assert/strict';
import { chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { withGitMemo } from '../src/git/memo.js';
import { EMPTY_TREE } from '../src/git/repository.js';
import { applyInOnePass, buildStateTree } from '../src/git/state-tree.js';
import { changedPaths } from '../src/git/read-blobs.js';
import { treeWithChanges } from '../src/git/tree-in-process.js';
import { git, makeRepo, removeRepos, writeFiles } from './support/git-fixture.js';

after(removeRepos);

const BASE = { 'a.txt': 'one\n', 'src/lib.ts': 'export const x = 1;\n', 'src/deep/only.txt': 'alone\n', 'run.sh': '#!/bin/sh\n', 'z/last.txt': 'z\n' };

/** What git's write-tree gives once the working tree holds `changes` (null: deleted). */
async function gitTree(root: string, changes: Record<string, string | null>): Promise<string> {
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) await rm(join(root, path));
    else await writeFiles(root, { [path]: content });
  }
  await git(root, ['add', '-A']);
  return (await git(root, ['write-tree'])).trim();
}

test('a tree made in process is the one git writes: changed, new, deleted files, folders left empty, an executable', async () => {
  const { root } = await makeRepo(BASE);
  await chmod(join(root, 'run.sh'), 0o755);
  await git(root, ['add', '-A']);
  await git(root, ['commit', '-qm', 'executable']);
  const base = (await git(root, ['rev-parse', 'HEAD^{tree}'])).trim();
  const changes: Record<string, string | null> = {
    'a.txt': 'one\ntwo\n',
    'run.sh': '#!/bin/sh\necho hi\n',
    'src/deep/only.txt': null,
    'src/new/file.ts': 'new\n',
    'src-x.ts': 'sorts between src and src/ in git\n',
    'y.txt': 'y\n',
  };
  const made = await withGitMemo(undefined, (memo) =>
    treeWithChanges(root, base, new Map(Object.entries(changes).map(([path, content]) => [path, content === null ? null : Buffer.from(content)])), memo),
  );
  assert.equal(made, await gitTree(root, changes));
});

test('deleting every file gives the empty tree', async () => {
  const { root } = await makeRepo({ 'a.txt': 'a\n', 'd/b.txt': 'b\n' });
  const base = (await git(root, ['rev-parse', 'HEAD^{tree}'])).trim();
  const made = await withGitMemo(undefined, (memo) => treeWithChanges(root, base, new Map([['a.txt', null], ['d/b.txt', null]]), memo));
  assert.equal(made, EMPTY_TREE);
});

test('verify-style state trees: made in process, the same trees git writes applying the patches', async () => {
  const { root, head } = await makeRepo(BASE);
  const p1 = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1 +1,2 @@', ' one', '+two', ''].join('\n');
  const p2 = ['diff --git a/src/n.ts b/src/n.ts', 'new file mode 100644', '--- /dev/null', '+++ b/src/n.ts', '@@ -0,0 +1 @@', '+n', ''].join('\n');
  const p3 = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,2 @@', ' one', '-two', '+TWO', ''].join('\n');
  const byGit = await buildStateTree(root, head!, [p1, p2, p3]);
  const inProcess = await withGitMemo(undefined, async (memo) => {
    memo.inProcess = true;
    const tree = await buildStateTree(root, head!, [p1, p2, p3], memo);
    assert.equal(memo.fellBack, false, 'every patch was applied in process');
    return tree;
  });
  assert.equal(inProcess, byGit);
  assert.equal(await withGitMemo(undefined, (memo) => applyInOnePass(root, head!, [p1, p2, p3], memo)), byGit, 'git applies them in one pass to the same tree');
});

test("names beyond U+FFFF sort as git sorts them, by UTF-8 bytes (UTF-16 code units put them before U+E000-U+FFFF)", async () => {
  const { root } = await makeRepo({ 'a.txt': 'a\n' });
  const base = (await git(root, ['rev-parse', 'HEAD^{tree}'])).trim();
  // U+1D49C is F0 9D 92 9C in UTF-8 and D835 DC9C in UTF-16; U+FF21 is EF BC A1 and FF21.
  const changes: Record<string, string | null> = { '\u{1D49C}.txt': 'astral\n', '\uFF21.txt': 'fullwidth\n', 'd\u{1D49C}/x.txt': 'x\n', 'd\uFF21': 'file\n' };
  const made = await withGitMemo(undefined, (memo) =>
    treeWithChanges(root, base, new Map(Object.entries(changes).map(([path, content]) => [path, content === null ? null : Buffer.from(content)])), memo),
  );
  assert.equal(made, await gitTree(root, changes));
});

test('a chain of trees made in process, each from the one before: the trees git writes after each step', async () => {
  const { root } = await makeRepo(BASE);
  const base = (await git(root, ['rev-parse', 'HEAD^{tree}'])).trim();
  // Each step starts from a tree made in process (its entries and sorted rows kept), not one read from git.
  const steps: Array<Record<string, string | null>> = [
    { 'a.txt': 'one\ntwo\n', 'src/n.ts': 'n\n' },
    { '\u{1D49C}.txt': 'astral\n', '\uFF21.txt': 'fullwidth\n', 'src/deep/only.txt': null, 'src/lib.ts': 'export const x = 2;\n', 'src-x.ts': 'x\n' },
    { '\u{1D49C}.txt': null, 'src/deep/again.txt': 'back\n', 'src/a.ts': 'first in src\n', 'z/last.txt': null, 'a.txt': 'one\n', 'src-x.ts': 'x\n' },
  ];
  await withGitMemo(undefined, async (memo) => {
    let tree = base;
    for (const [i, changes] of steps.entries()) {
      const before = tree;
      tree = await treeWithChanges(root, tree, new Map(Object.entries(changes).map(([path, content]) => [path, content === null ? null : Buffer.from(content)])), memo);
      assert.equal(tree, await gitTree(root, changes), `step ${i + 1}`);
      // What changed, as the tree made in process tells it, is what git's trees (read back by a memo of their own) say, in the same order.
      const told = await changedPaths(root, before, tree, memo);
      const read = await withGitMemo(undefined, (fresh) => changedPaths(root, before, tree, fresh));
      assert.deepEqual([...told], [...read], `changes of step ${i + 1}`);
    }
  });
});

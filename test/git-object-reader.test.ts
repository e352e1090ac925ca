import assert from 'node:assert/strict';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GitMemo } from '../src/git/memo.js';
import { changedPaths, entriesAlong, readBlobs } from '../src/git/read-blobs.js';
import { git, makeRepo, removeRepos, writeFiles } from './support/git-fixture.js';

after(removeRepos);

/** Trees and blobs are read from the objects in process; git's own commands are the reference. */

const tree = async (root: string) => (await git(root, ['rev-parse', 'HEAD^{tree}'])).trim();

async function commitAll(root: string): Promise<string> {
  await git(root, ['add', '-A']);
  await git(root, ['commit', '-q', '--allow-empty', '-m', 'step']);
  return tree(root);
}

/** `git diff-tree -r -z --no-renames`, as path → object id after (zeros when deleted), in git's order. */
async function gitDiffTree(root: string, from: string, to: string): Promise<[string, string][]> {
  const fields = (await git(root, ['diff-tree', '-r', '-z', '--no-renames', from, to])).split('\0');
  const changed: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) changed.push([fields[i + 1]!, fields[i]!.split(' ')[3]!]);
  return changed;
}

test('changedPaths reports what git diff-tree -r does, in the same order, across files, folders, links, submodules and odd names', async () => {
  const { root } = await makeRepo({
    'a.txt': 'one\n',
    'a-b.txt': 'dash\n',
    'a/inner.txt': 'in a folder named like a file\n',
    'b/deep/er/file.txt': 'deep\n',
    'b/keep.txt': 'same\n',
    'gone/x.txt': 'x\n',
    'gone/y/z.txt': 'z\n',
    'turns-into-folder': 'file first\n',
    'ünï/cödé.txt': 'utf-8\n',
    'run.sh': 'echo hi\n',
  });
  const trees = [await tree(root)];

  await writeFiles(root, { 'a.txt': 'two\n', 'b/deep/er/file.txt': 'deeper\n', 'new/dir/file.txt': 'new\n', 'ünï/cödé.txt': 'changed\n', 'a.txt.orig': 'sorts after a.txt\n' });
  await rm(join(root, 'gone'), { recursive: true });
  await rm(join(root, 'turns-into-folder'));
  await writeFiles(root, { 'turns-into-folder/now.txt': 'folder now\n' });
  await symlink('a.txt', join(root, 'link'));
  await git(root, ['update-index', '--chmod=+x', 'run.sh']);
  await git(root, ['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/sub`]);
  trees.push(await commitAll(root));

  await rm(join(root, 'a'), { recursive: true });
  await writeFiles(root, { a: 'a folder becomes a file\n' });
  await rm(join(root, 'link'));
  await writeFiles(root, { link: 'a link becomes a file\n' });
  await git(root, ['update-index', '--add', '--cacheinfo', `160000,${'2'.repeat(40)},vendor/sub`]);
  trees.push(await commitAll(root));

  const memo = new GitMemo();
  try {
    for (const [from, to] of [[0, 1], [1, 2], [0, 2], [2, 0], [1, 1]] as const) {
      const expected = await gitDiffTree(root, trees[from]!, trees[to]!);
      assert.deepEqual([...(await changedPaths(root, trees[from]!, trees[to]!, memo))], expected, `tree ${from} → tree ${to}`);
    }
    assert.ok((await gitDiffTree(root, trees[0]!, trees[1]!)).length >= 10, 'the reference sees the changes');
  } finally {
    await memo.close();
  }
});

test('entriesAlong gives the entries git ls-tree lists at each path and its folders; readBlobs the bytes git cat-file does', async () => {
  const big = Array.from({ length: 40_000 }, (_, i) => `line ${i}\n`).join('');
  const { root } = await makeRepo({ 'src/lib.ts': 'export {};\n', 'src/big.txt': big, 'docs/a b.md': 'spaces\n', 'bin/tool': '#!/bin/sh\n' });
  await symlink('src', join(root, 'linkdir'));
  await git(root, ['add', 'linkdir']);
  await git(root, ['update-index', '--add', '--cacheinfo', `160000,${'3'.repeat(40)},vendor/sub`]);
  await git(root, ['update-index', '--add', '--chmod=+x', 'bin/tool']);
  const head = (await git(root, ['commit', '-q', '-am', 'links', '--allow-empty']), (await git(root, ['rev-parse', 'HEAD'])).trim());
  const paths = ['src/lib.ts', 'src/big.txt', 'docs/a b.md', 'bin/tool', 'linkdir', 'linkdir/lib.ts', 'vendor/sub', 'vendor/sub/x', 'src', 'missing/file', 'src/missing'];

  const listed = new Map<string, string>();
  for (const line of (await git(root, ['--literal-pathspecs', 'ls-tree', '-r', '-t', '-z', '--full-tree', head, '--', ...paths, 'src', 'docs', 'bin', 'vendor'])).split('\0')) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line);
    if (m) listed.set(m[4]!, `${m[1]} ${m[2]} ${m[3]}`);
  }
  listed.set('linkdir', (await git(root, ['ls-tree', head, 'linkdir'])).split('\t')[0]!);
  const memo = new GitMemo();
  try {
    // By commit (as a run's base) and by tree (as a state tree).
    for (const at of [head, await tree(root)]) {
      const entries = await entriesAlong(root, at, paths, memo);
      for (const path of ['src', 'src/lib.ts', 'src/big.txt', 'docs', 'docs/a b.md', 'bin', 'bin/tool', 'linkdir', 'vendor', 'vendor/sub']) {
        const entry = entries.get(path);
        assert.equal(entry && `${entry.mode} ${entry.type} ${entry.oid}`, listed.get(path), path);
      }
      for (const path of ['linkdir/lib.ts', 'vendor/sub/x', 'missing/file', 'missing', 'src/missing']) assert.equal(entries.get(path), undefined, path);

      const blobs = await readBlobs(root, at, paths, memo);
      assert.equal(blobs.get('src/big.txt')?.toString('utf8'), big, 'a blob larger than one pipe chunk comes back whole');
      assert.equal(blobs.get('docs/a b.md')?.toString('utf8'), 'spaces\n');
      assert.equal(blobs.get('linkdir')?.toString('utf8'), 'src', "a link's content is its target");
      for (const path of ['linkdir/lib.ts', 'vendor/sub', 'src', 'missing/file']) assert.equal(blobs.get(path), null, path);
    }
  } finally {
    await memo.close();
  }
  // Without a memo each call reads through a reader of its own, ended when it returns.
  assert.equal((await readBlobs(root, head, ['src/lib.ts'])).get('src/lib.ts')?.toString('utf8'), 'export {};\n');
});

test('contents read for one use only are not kept by the memo, so their reader can let them go; kept ones are read once', async () => {
  const { root } = await makeRepo({ 'a.txt': 'one\n', 'b/c.txt': 'two\n' });
  const memo = new GitMemo();
  try {
    const head = await tree(root);
    const once = await readBlobs(root, head, ['a.txt', 'b/c.txt', 'missing'], memo, { keep: false });
    assert.deepEqual([...once].map(([p, b]) => [p, b?.toString() ?? null]), [['a.txt', 'one\n'], ['b/c.txt', 'two\n'], ['missing', null]]);
    const oid = (await git(root, ['rev-parse', 'HEAD:a.txt'])).trim();
    assert.equal(memo.has(['blob', root, oid]), false);
    await readBlobs(root, head, ['a.txt'], memo);
    assert.equal(memo.has(['blob', root, oid]), true);
  } finally {
    await memo.close();
  }
});

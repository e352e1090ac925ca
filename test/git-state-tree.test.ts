import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError } from '../src/errors.js';
import { EMPTY_TREE } from '../src/git/repository.js';
import { applyAhead, buildStateTree, validatePatch } from '../src/git/state-tree.js';
import { withGitMemo } from '../src/git/memo.js';
import { gitProcessesStarted } from '../src/git/run-git.js';
import { linkedPaths, pathKindAt, readFileAt } from '../src/git/tree-paths.js';
import { git, makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

const BASE = { 'a.txt': 'one\ntwo\nthree\nfour\nfive\n', 'src/lib.ts': 'export const x = 1;\n', 'old.txt': 'keep\n' };

/** Uppercases "two" in a.txt. */
const P1 = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1,3 +1,3 @@', ' one', '-two', '+TWO', ' three', ''].join('\n');
/** Needs P1: its context is "TWO". */
const P2 = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1,3 +1,4 @@', ' one', ' TWO', '+two and a half', ' three', ''].join('\n');
const ADD = ['diff --git a/src/new.ts b/src/new.ts', 'new file mode 100644', '--- /dev/null', '+++ b/src/new.ts', '@@ -0,0 +1,2 @@', '+export const y = 2;', '+export const z = 3;', ''].join('\n');
const DELETE = ['diff --git a/old.txt b/old.txt', 'deleted file mode 100644', '--- a/old.txt', '+++ /dev/null', '@@ -1 +0,0 @@', '-keep', ''].join('\n');

async function text(root: string, tree: string, path: string): Promise<string | null> {
  return (await readFileAt(root, tree, path))?.toString('utf8') ?? null;
}

test('an empty repository validates against the empty tree', async () => {
  const { root, head } = await makeRepo({}, { commit: false });
  assert.equal(head, null);
  const v = await validatePatch(root, EMPTY_TREE, [], ADD);
  assert.equal(v.ok, true, v.error ?? '');
  assert.equal(v.state_tree, EMPTY_TREE);
  assert.deepEqual(v.files, ['src/new.ts']);
  assert.equal(await text(root, v.result_tree!, 'src/new.ts'), 'export const y = 2;\nexport const z = 3;\n');
  assert.equal(await buildStateTree(root, EMPTY_TREE, []), EMPTY_TREE);
  assert.equal(await text(root, await buildStateTree(root, EMPTY_TREE, [ADD]), 'src/new.ts'), 'export const y = 2;\nexport const z = 3;\n');
});

test('readFileAt and pathKindAt at base and after approved patches', async () => {
  const { root, head } = await makeRepo(BASE);
  await symlink('a.txt', join(root, 'link'));
  await git(root, ['add', 'link']);
  await git(root, ['commit', '-q', '-m', 'link']);
  const base = (await git(root, ['rev-parse', 'HEAD'])).trim();
  assert.notEqual(base, head);

  assert.equal(await text(root, base, 'a.txt'), BASE['a.txt']);
  assert.equal(await readFileAt(root, base, 'missing.txt'), null);
  assert.equal(await readFileAt(root, base, 'src'), null);
  assert.deepEqual(
    await Promise.all(['a.txt', 'src', 'link', 'src/lib.ts', 'nope', 'src/*.ts'].map((p) => pathKindAt(root, base, p))),
    ['file', 'dir', 'symlink', 'file', null, null],
  );

  const tree = await buildStateTree(root, base, [P1, P2, ADD, DELETE]);
  assert.equal(await text(root, tree, 'a.txt'), 'one\nTWO\ntwo and a half\nthree\nfour\nfive\n');
  assert.equal(await text(root, tree, 'src/new.ts'), 'export const y = 2;\nexport const z = 3;\n');
  assert.equal(await readFileAt(root, tree, 'old.txt'), null);
  assert.equal(await pathKindAt(root, tree, 'old.txt'), null);
});

test('a patch that only applies after an approved patch', async () => {
  const { root, head } = await makeRepo(BASE);
  const onTop = await validatePatch(root, head!, [P1], P2);
  assert.equal(onTop.ok, true, onTop.error ?? '');
  assert.equal(onTop.state_tree, await buildStateTree(root, head!, [P1]));
  assert.equal(await text(root, onTop.result_tree!, 'a.txt'), 'one\nTWO\ntwo and a half\nthree\nfour\nfive\n');

  const alone = await validatePatch(root, head!, [], P2);
  assert.equal(alone.ok, false);
  assert.equal(alone.result_tree, null);
  assert.match(alone.error ?? '', /^the patch does not apply to base [0-9a-f]{12}: .*a\.txt/);
  assert.doesNotMatch(alone.error ?? '', /\n/);
});

test('new file and deleted file patches', async () => {
  const { root, head } = await makeRepo(BASE);
  const added = await validatePatch(root, head!, [], ADD);
  assert.equal(added.ok, true, added.error ?? '');
  assert.equal(await pathKindAt(root, added.result_tree!, 'src/new.ts'), 'file');
  const deleted = await validatePatch(root, head!, [], DELETE);
  assert.equal(deleted.ok, true, deleted.error ?? '');
  assert.deepEqual(deleted.files, ['old.txt']);
  assert.equal(await readFileAt(root, deleted.result_tree!, 'old.txt'), null);
  const again = await validatePatch(root, head!, [DELETE], DELETE);
  assert.equal(again.ok, false);
  assert.match(again.error ?? '', /does not apply to base [0-9a-f]{12} plus 1 approved patch:/);
});

test('git\'s silent drop of extra + lines (counts too low on the last hunk) is caught', async () => {
  const { root, head } = await makeRepo(BASE);
  const short = ['--- a/a.txt', '+++ b/a.txt', '@@ -1,3 +1,3 @@', ' one', '-two', '+TWO', ' three', '+extra', '+more', ''].join('\n');
  const v = await validatePatch(root, head!, [], short);
  assert.equal(v.ok, false);
  assert.match(v.error ?? '', /dropped added lines of a\.txt \(first missing: "extra"\)/);
});

test('patches that touch nothing, change nothing or name unsafe paths are refused', async () => {
  const { root, head } = await makeRepo(BASE);
  assert.match((await validatePatch(root, head!, [], '')).error ?? '', /touches no file/);
  assert.match((await validatePatch(root, head!, [], 'just prose\n')).error ?? '', /touches no file/);
  const same = ['--- a/a.txt', '+++ b/a.txt', '@@ -1,3 +1,3 @@', ' one', '-two', '+two', ' three', ''].join('\n');
  assert.match((await validatePatch(root, head!, [], same)).error ?? '', /changes nothing/);
  const escape = ['--- a/../x', '+++ b/../x', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
  assert.match((await validatePatch(root, head!, [], escape)).error ?? '', /"\.\.\/x" contains a '\.\.' segment/);
  const gitdir = ['--- /dev/null', '+++ b/.git/hooks/post-checkout', '@@ -0,0 +1 @@', '+echo hi', ''].join('\n');
  assert.match((await validatePatch(root, head!, [], gitdir)).error ?? '', /inside \.git/);
  const bare = ['--- src/lib.ts', '+++ src/lib.ts', '@@ -1 +1 @@', '-export const x = 1;', '+export const x = 2;', ''].join('\n');
  assert.match((await validatePatch(root, head!, [], bare)).error ?? '', /lacks the a\/ and b\/ path prefixes/);
});

test('a patch applied ahead is not applied again by its validation, even when the process was busy meanwhile', async () => {
  // Far more than a pipe holds: git must read it all while this process runs without turning its event loop.
  const big = Array.from({ length: 20000 }, (_, i) => `line ${i} of a file long enough to fill a pipe many times over`);
  const { root, head } = await makeRepo({ ...BASE, 'big.txt': `${big.join('\n')}\n` });
  const changed = Array.from({ length: 2000 }, (_, k) => 10 * k + 1);
  const hunk = (at: number) => [`@@ -${at},3 +${at},3 @@`, ` ${big[at - 1]}`, `-${big[at]}`, '+changed', ` ${big[at + 1]}`];
  const patch = ['--- a/big.txt', '+++ b/big.txt', ...changed.flatMap(hunk), ''].join('\n');
  const counted = async <T>(work: () => Promise<T>): Promise<{ value: T; started: number }> => {
    const before = gitProcessesStarted();
    const value = await work();
    return { value, started: gitProcessesStarted() - before };
  };
  const alone = await counted(() => validatePatch(root, head!, [], patch));
  assert.equal(alone.value.ok, true, alone.value.error ?? '');
  // The post-image's blob, which git writes once it has read the whole patch and applied it.
  const after = `${big.map((line, i) => (i % 10 === 1 ? 'changed' : line)).join('\n')}\n`;
  const oid = createHash('sha1').update(`blob ${Buffer.byteLength(after)}\0`).update(after).digest('hex');
  const object = join(root, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
  await rm(object, { force: true });
  const ahead = await counted(() =>
    withGitMemo(undefined, async (memo) => {
      const before = gitProcessesStarted();
      applyAhead(root, head!, [], patch, memo);
      // Until git apply has started (after the reader and read-tree)...
      while (gitProcessesStarted() - before < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      // ...then the engine's work, which holds this thread: git must still get the whole patch.
      const until = Date.now() + 20_000;
      while (!existsSync(object) && Date.now() < until);
      assert.equal(existsSync(object), true, 'git applied the patch while this process was busy');
      return validatePatch(root, head!, [], patch, undefined, memo);
    }),
  );
  assert.deepEqual(ahead.value, alone.value);
  assert.equal(ahead.started, alone.started);

  // A text the validation never sees only made git work: the validation asks its own question.
  const other = await withGitMemo(undefined, (memo) => {
    applyAhead(root, head!, [], P1, memo);
    return validatePatch(root, head!, [], patch, undefined, memo);
  });
  assert.deepEqual(other, alone.value);
});

test('an approved patch that no longer applies is a GitError naming it', async () => {
  const { root, head } = await makeRepo(BASE);
  await assert.rejects(buildStateTree(root, head!, [P1, P1]), (e: unknown) => e instanceof GitError && /^approved patch 2 of 2 no longer applies/.test(e.message));
  await assert.rejects(validatePatch(root, head!, [P2], ADD), (e: unknown) => e instanceof GitError && /approved patch 1 of 1/.test(e.message));
});

test('validation never touches the working tree or the real index', async () => {
  const { root, head } = await makeRepo(BASE);
  await writeFile(join(root, 'a.txt'), 'edited in the working tree\n');
  await writeFile(join(root, 'src/lib.ts'), 'export const x = 42;\n');
  await git(root, ['add', 'src/lib.ts']);
  await writeFile(join(root, 'untracked.txt'), 'u\n');
  const indexPath = join(root, '.git', 'index');
  const before = {
    status: await git(root, ['status', '--porcelain']),
    index: await readFile(indexPath),
    mtime: (await stat(indexPath)).mtimeMs,
    a: await readFile(join(root, 'a.txt'), 'utf8'),
  };

  assert.equal((await validatePatch(root, head!, [P1], P2)).ok, true);
  assert.equal((await validatePatch(root, head!, [], P2)).ok, false);
  assert.equal((await validatePatch(root, head!, [], ADD)).ok, true);
  await buildStateTree(root, head!, [P1, ADD, DELETE]);

  assert.equal(await git(root, ['status', '--porcelain']), before.status);
  assert.deepEqual(await readFile(indexPath), before.index);
  assert.equal((await stat(indexPath)).mtimeMs, before.mtime);
  assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), before.a);
  await assert.rejects(stat(join(root, 'src/new.ts')));
  assert.ok(await stat(join(root, 'old.txt')));
});

test('linkedPaths finds exactly the paths that are or go through a symlink or submodule, in bulk', async () => {
  const { root } = await makeRepo({ ...BASE, 'deep/er/file.txt': 'x\n' });
  await symlink('src', join(root, 'linkdir'));
  await symlink('a.txt', join(root, 'deep/er/link.txt'));
  await git(root, ['add', 'linkdir', 'deep/er/link.txt']);
  await git(root, ['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/sub`]);
  await git(root, ['commit', '-q', '-m', 'links']);
  const tree = (await git(root, ['rev-parse', 'HEAD^{tree}'])).trim();
  const paths = ['a.txt', 'src/lib.ts', 'src/new/x.ts', 'linkdir', 'linkdir/lib.ts', 'linkdir/a/b.ts', 'deep/er/file.txt', 'deep/er/link.txt',
    'deep/er/link.txt/x', 'vendor/sub', 'vendor/sub/x/y', 'vendor/other.ts', 'new/dir/file', 'a.txt/under-a-file', 'src/*.ts', 'src', 'src//x'];
  // The definition, one path and folder at a time.
  const slow = [];
  for (const p of paths) {
    const parts = p.split('/');
    const kinds = await Promise.all(parts.map((_, i) => pathKindAt(root, tree, parts.slice(0, i + 1).join('/'))));
    if (kinds.some((k) => k === 'symlink' || k === 'submodule') || parts.includes('')) slow.push(p);
  }
  assert.deepEqual(await linkedPaths(root, tree, paths), slow);
  assert.deepEqual(slow, ['linkdir', 'linkdir/lib.ts', 'linkdir/a/b.ts', 'deep/er/link.txt', 'deep/er/link.txt/x', 'vendor/sub', 'vendor/sub/x/y', 'src//x']);
});

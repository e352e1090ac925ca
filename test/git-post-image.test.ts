import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { readBlobs } from '../src/git/read-blobs.js';
import { validatePatch } from '../src/git/state-tree.js';
import { makeRepo, removeRepos } from './support/git-fixture.js';

after(removeRepos);

const PATCH = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,2 @@', ' one', '-two', '+TWO', ''].join('\n');

test('git must produce exactly the expected post-image', async () => {
  const { root, head } = await makeRepo({ 'a.txt': 'one\ntwo\n', 'b.txt': 'b\n' });
  const good = await validatePatch(root, head!, [], PATCH, [{ path: 'a.txt', content: Buffer.from('one\nTWO\n') }]);
  assert.equal(good.ok, true, good.error ?? '');
  const differs = await validatePatch(root, head!, [], PATCH, [{ path: 'a.txt', content: Buffer.from('one\nTWO\nthree\n') }]);
  assert.equal(differs.ok, false);
  assert.match(differs.error!, /differs from the post-image .*line 3: expected "three", git wrote "\(end of file\)"/);
  const unexpected = await validatePatch(root, head!, [], PATCH, [{ path: 'b.txt', content: Buffer.from('b\n') }]);
  assert.equal(unexpected.ok, false);
  assert.match(unexpected.error!, /git changed a\.txt, which the diff does not describe/);
});

test('the too-low last hunk count trap: git drops + lines, the post-image check catches it', async () => {
  const { root, head } = await makeRepo({ 'a.txt': 'one\ntwo\n' });
  // Counts say one added line; git applies only that and silently ignores the second.
  const trap = ['diff --git a/a.txt b/a.txt', '--- a/a.txt', '+++ b/a.txt', '@@ -1,2 +1,3 @@', ' one', ' two', '+three', '+four', ''].join('\n');
  const result = await validatePatch(root, head!, [], trap, [{ path: 'a.txt', content: Buffer.from('one\ntwo\nthree\nfour\n') }]);
  assert.equal(result.ok, false, 'git alone would have said yes');
});

test('readBlobs reads many files in one call; absent paths and folders are null', async () => {
  const { root, head } = await makeRepo({ 'a.txt': 'A\n', 'dir/b.txt': 'B\n', 'empty.txt': '' });
  const blobs = await readBlobs(root, head!, ['a.txt', 'dir/b.txt', 'dir', 'missing.txt', 'empty.txt']);
  assert.equal(blobs.get('a.txt')!.toString(), 'A\n');
  assert.equal(blobs.get('dir/b.txt')!.toString(), 'B\n');
  assert.equal(blobs.get('dir'), null);
  assert.equal(blobs.get('missing.txt'), null);
  assert.equal(blobs.get('empty.txt')!.length, 0);
});

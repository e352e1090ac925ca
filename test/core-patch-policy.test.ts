import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rawReplyRefusal } from '../src/core/patch-policy.js';
import { repairAndValidate } from '../src/core/repair-and-validate.js';
import { git, makeRepo, removeRepos } from './support/git-fixture.js';

const APP = ['one', 'two', 'three', ''].join('\n');

function modify(file: string, extraHeader: string[] = []): string {
  return [`diff --git a/${file} b/${file}`, ...extraHeader, `--- a/${file}`, `+++ b/${file}`, '@@ -1,3 +1,3 @@', ' one', '-two', '+TWO', ' three', ''].join('\n');
}

function add(file: string, mode = '100644'): string {
  return [`diff --git a/${file} b/${file}`, `new file mode ${mode}`, '--- /dev/null', `+++ b/${file}`, '@@ -0,0 +1 @@', '+hello', ''].join('\n');
}

describe('patch policy: what a patch may touch, enforced on the output', () => {
  let root: string;
  let head: string;
  before(async () => {
    ({ root } = await makeRepo({ 'src/app.txt': APP, 'outside/x.txt': APP }));
    // A folder that is a symlink to outside the repository, and a submodule entry.
    symlinkSync('/tmp', join(root, 'escape'));
    symlinkSync('app.txt', join(root, 'src/link.txt'));
    await git(root, ['add', '-A']);
    await git(root, ['update-index', '--add', '--cacheinfo', `160000,${'a'.repeat(40)},vendor/lib`]);
    await git(root, ['commit', '-q', '-m', 'links and a submodule']);
    head = (await git(root, ['rev-parse', 'HEAD'])).trim();
  });
  after(() => removeRepos());

  const check = (reply: string) => repairAndValidate(root, head, [], reply);

  test('a plain text change is accepted (the control)', async () => {
    const result = await check(modify('src/app.txt'));
    assert.equal(result.error, null);
  });

  test('.. and absolute paths and .git/ are refused', async () => {
    for (const file of ['../evil.txt', '/etc/passwd', '.git/config']) {
      const result = await check(add(file));
      assert.notEqual(result.error, null, file);
    }
  });

  test('a path through a symlinked folder is refused, and a symlink itself', async () => {
    const through = await check(add('escape/pwned.txt'));
    assert.match(result(through), /escape, a symbolic link/);
    const retarget = ['diff --git a/src/link.txt b/src/link.txt', '--- a/src/link.txt', '+++ b/src/link.txt', '@@ -1 +1 @@', '-app.txt', '\\ No newline at end of file', '+/etc/passwd', '\\ No newline at end of file', ''].join('\n');
    assert.match(result(await check(retarget)), /src\/link.txt is a symbolic link/);
  });

  test('a file inside a submodule, or the submodule itself, is refused', async () => {
    assert.match(result(await check(add('vendor/lib/x.txt'))), /submodule vendor\/lib/);
  });

  test('binary patches, mode changes and executable new files are refused', async () => {
    assert.match(result(await check(modify('src/app.txt', ['old mode 100644', 'new mode 100755']))), /mode/);
    assert.match(result(await check(add('src/run.sh', '100755'))), /mode other than 100644|mode/);
    const binary = ['diff --git a/img.png b/img.png', 'new file mode 100644', 'index 0000000..1111111', 'GIT binary patch', 'literal 3', 'KcmZQzU|;|M00aO5', '', 'literal 0', 'HcmV?d00001', ''].join('\n');
    assert.notEqual((await check(binary)).error, null);
    assert.match(rawReplyRefusal(binary) ?? '', /binary patch/);
    assert.match(rawReplyRefusal('diff --git a/x b/x\nBinary files a/x and b/x differ\n') ?? '', /binary file/);
    assert.match(rawReplyRefusal('diff --git a/m b/m\nindex 1111111..2222222 160000\n--- a/m\n+++ b/m\n@@ -1 +1 @@\n-Subproject commit 1\n+Subproject commit 2\n') ?? '', /not 100644|submodule/);
  });
});

function result(outcome: { error: string | null }): string {
  return outcome.error ?? '(accepted)';
}

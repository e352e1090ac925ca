import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runsDirInRepository, runsDirRefusal } from '../src/core/runs-dir-policy.js';
import { workingTreePathRefusal } from '../src/git/disk-path-check.js';
import { hookFilesAmong, hookFolders } from '../src/git/hooks.js';
import { git, makeRepo, removeRepos } from './support/git-fixture.js';

describe('what is on disk along a path apply-task writes', () => {
  let root: string;
  let outside: string;
  before(async () => {
    ({ root } = await makeRepo({ 'src/app.js': 'x\n', lib: 'y\n' }));
    outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'llmo-outside-')));
    symlinkSync(outside, path.join(root, 'data'));
    symlinkSync(path.join(outside, 'f'), path.join(root, 'src/linked.js'));
    mkdirSync(path.join(root, 'folder'));
    execFileSync('mkfifo', [path.join(root, 'src/pipe')]);
  });
  after(async () => {
    rmSync(outside, { recursive: true, force: true });
    await removeRepos();
  });

  test('a link on the way or at the end, a file where a folder is needed and a special file are refused, naming them', () => {
    assert.match(workingTreePathRefusal(root, 'data/new.sh')!, /^data\/new\.sh goes through data, a symbolic link in the working tree/);
    assert.match(workingTreePathRefusal(root, 'data/deeper/new.sh')!, /goes through data, a symbolic link/);
    assert.match(workingTreePathRefusal(root, 'src/linked.js')!, /^src\/linked\.js is a symbolic link in the working tree/);
    assert.match(workingTreePathRefusal(root, 'lib/index.js')!, /^lib\/index\.js goes through lib, which is not a folder in the working tree/);
    assert.match(workingTreePathRefusal(root, 'src/pipe')!, /^src\/pipe is not a regular file in the working tree \(a special file\)/);
    assert.match(workingTreePathRefusal(root, 'folder')!, /is not a regular file in the working tree \(a folder\)/);
  });

  test('regular files, and folders that do not exist yet, are fine', () => {
    assert.equal(workingTreePathRefusal(root, 'src/app.js'), null);
    assert.equal(workingTreePathRefusal(root, 'src/new/deep/file.js'), null);
    assert.equal(workingTreePathRefusal(root, 'folder/new.js'), null);
  });

  test('a file the patch deletes may give way to a folder, and a folder it empties to a file; a link never', () => {
    assert.equal(workingTreePathRefusal(root, 'lib/index.js', new Set(['lib'])), null);
    writeFileSync(path.join(root, 'folder/only.js'), 'z\n');
    assert.equal(workingTreePathRefusal(root, 'folder', new Set(['folder/only.js'])), null);
    assert.match(workingTreePathRefusal(root, 'data/new.sh', new Set(['data']))!, /a symbolic link/);
  });
});

describe('runs directory and hook folders', () => {
  test('the runs directory inside the repository, found through links, and refused without regard to case', () => {
    const repo = realpathSync(mkdtempSync(path.join(tmpdir(), 'llmo-runs-')));
    try {
      mkdirSync(path.join(repo, 'runs'));
      symlinkSync(path.join(repo, 'runs'), path.join(repo, 'alias'));
      assert.equal(runsDirInRepository(repo, path.join(repo, 'runs')), 'runs');
      assert.equal(runsDirInRepository(repo, path.join(repo, 'alias')), 'runs');
      assert.equal(runsDirInRepository(repo, path.join(repo, 'not-yet/records')), 'not-yet/records');
      assert.equal(runsDirInRepository(repo, tmpdir()), null);
      assert.match(runsDirRefusal(['src/a.js', 'RUNS/r1/executions/T002/approval.json'], 'runs')!, /^RUNS\/r1\/executions\/T002\/approval\.json is inside the runs directory \(runs\/\)/);
      assert.equal(runsDirRefusal(['runsheet.txt', 'src/runs/x'], 'runs'), null);
      assert.equal(runsDirRefusal(['runs/x'], null), null);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('core.hooksPath inside the repository and .husky/ are hook folders; with the root as hooks folder only its own files are hooks', async () => {
    const { root } = await makeRepo({ 'a.txt': 'a\n' });
    assert.deepEqual(await hookFolders(root), ['.husky']);
    await git(root, ['config', 'core.hooksPath', 'tools/hooks']);
    assert.deepEqual(await hookFolders(root), ['.husky', 'tools/hooks']);
    await git(root, ['config', 'core.hooksPath', path.join(root, '.husky/_')]);
    assert.deepEqual(await hookFolders(root), ['.husky', '.husky/_']);
    await git(root, ['config', 'core.hooksPath', tmpdir()]);
    assert.deepEqual(await hookFolders(root), ['.husky'], 'a folder outside the repository is out of any patch’s reach');
    assert.deepEqual(hookFilesAmong(['.husky/pre-commit', 'src/x.js', 'tools/hooks/pre-push', '.HUSKY/post-merge'], ['.husky', 'tools/hooks']), ['.HUSKY/post-merge', '.husky/pre-commit', 'tools/hooks/pre-push']);
    assert.deepEqual(hookFilesAmong(['pre-commit', 'src/pre-commit'], ['']), ['pre-commit']);
    await removeRepos();
  });
});

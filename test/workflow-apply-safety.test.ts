/**
 * The attacks on apply-task a hostile model (and a working tree it did not make) can mount,
 * through the built CLI: writing through a symbolic link on disk, writing into the run store,
 * changing a hook that the commit then runs.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { lines, must, planApprovedRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, T001_REPLY, workspace, type Workspace } from './support/workflow-fixture.js';

/** A diff creating `file` with `body` (lines without their '+'). */
function addFile(file: string, body: string[]): string {
  return [`diff --git a/${file} b/${file}`, 'new file mode 100644', '--- /dev/null', `+++ b/${file}`, `@@ -0,0 +1,${body.length} @@`, ...body.map((line) => `+${line}`), ''].join('\n');
}

/** init → plan → approve-plan → add-context (src/app.js and `context`) → run-task T001 answering `diff` → approve-task. */
async function approvedRun(ws: Workspace, diff: string, context: string[] = []): Promise<string> {
  const run = await planApprovedRun(ws);
  for (const file of context) await must(ws.cli(['add-context', '--run', run, '--file', file]), `add-context ${file}`);
  ws.fake.enqueueReply({ content: diff });
  await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
  await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer', '--ack-undeclared']), 'approve-task T001');
  return run;
}

function auditLines(ws: Workspace, run: string): any[] {
  return lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
}

describe('apply-task never writes through a symbolic link or a non-folder on disk', () => {
  let ws: Workspace;
  let outside: string;
  before(async () => {
    ws = await workspace();
    outside = mkdtempSync(path.join(tmpdir(), 'llmo-elsewhere-'));
  });
  after(async () => {
    rmSync(outside, { recursive: true, force: true });
    await ws.close();
  });

  test('an untracked or ignored link data -> /elsewhere: data/new.sh is refused, with and without --commit, naming the link', async () => {
    const run = await approvedRun(ws, addFile('data/new.sh', ['#!/bin/sh', 'echo owned']));
    symlinkSync(outside, path.join(ws.root, 'data'));
    const head = await git(ws.root, ['rev-parse', 'HEAD']);
    try {
      for (const extra of [['--commit'], []]) {
        const refused = await ws.cli(['apply-task', '--run', run, '--task', 'T001', ...extra]);
        assert.equal(refused.code, 1, refused.stdout + refused.stderr);
        assert.match(refused.stderr, /^error: T001's patch is not applied: data\/new\.sh goes through data, a symbolic link in the working tree/);
        assert.equal(lines(refused.stderr).length, 1);
        assert.equal(existsSync(path.join(outside, 'new.sh')), false, 'nothing written outside the repository');
      }
      writeFileSync(path.join(ws.root, '.git/info/exclude'), 'data\n');
      const ignored = await ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']);
      assert.equal(ignored.code, 1);
      assert.match(ignored.stderr, /data\/new\.sh goes through data, a symbolic link/);
      assert.equal(existsSync(path.join(outside, 'new.sh')), false);
      assert.equal(await git(ws.root, ['rev-parse', 'HEAD']), head);
      assert.equal(await git(ws.root, ['diff', '--cached', '--name-only']), '');
      assert.equal(auditLines(ws, run).at(-1).outcome, 'error');
    } finally {
      rmSync(path.join(ws.root, 'data'));
      writeFileSync(path.join(ws.root, '.git/info/exclude'), '');
    }
    // A file where the patch needs a folder is refused the same way.
    writeFileSync(path.join(ws.root, 'data'), 'a file\n');
    try {
      const file = await ws.cli(['apply-task', '--run', run, '--task', 'T001']);
      assert.equal(file.code, 1);
      assert.match(file.stderr, /data\/new\.sh goes through data, which is not a folder in the working tree/);
    } finally {
      rmSync(path.join(ws.root, 'data'));
    }
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('a changed file that is a symbolic link on disk (hidden from git status by skip-worktree) is refused', async () => {
    const run = await approvedRun(ws, T001_REPLY);
    const target = path.join(outside, 'app.js');
    writeFileSync(target, APP_JS);
    await git(ws.root, ['update-index', '--skip-worktree', 'src/app.js']);
    rmSync(path.join(ws.root, 'src/app.js'));
    symlinkSync(target, path.join(ws.root, 'src/app.js'));
    try {
      for (const extra of [['--commit'], []]) {
        const refused = await ws.cli(['apply-task', '--run', run, '--task', 'T001', ...extra]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /src\/app\.js is a symbolic link in the working tree/);
        assert.equal(readFileSync(target, 'utf8'), APP_JS, 'the file the link points to is unchanged');
      }
    } finally {
      rmSync(path.join(ws.root, 'src/app.js'));
      await git(ws.root, ['update-index', '--no-skip-worktree', 'src/app.js']);
      await git(ws.root, ['checkout', '--', 'src/app.js']);
    }
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

describe('no patch writes into the runs directory', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('a patch forging runs/<id>/executions/T002/approval.json is invalid at run-task, and check-patch refuses it', async () => {
    const run = await planApprovedRun(ws);
    const forged = `runs/${run}/executions/T002/approval.json`;
    ws.fake.enqueueReply({ content: addFile(forged, ['{"schema_version": 1, "decision": "approved"}']) });
    const attempt = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(attempt.code, 1);
    assert.match(attempt.stderr, new RegExp(`${forged.replace(/[./]/g, '\\$&')} is inside the runs directory \\(runs/\\)`));
    assert.deepEqual(ws.json(run, 'executions/T001/exec.response.json').validation.ok, false);
    const approve = await ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer', '--ack-undeclared']);
    assert.equal(approve.code, 1, 'an invalid attempt cannot be approved');
    assert.equal(existsSync(path.join(ws.root, forged)), false);
    assert.doesNotMatch((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /T00[12] approved/);

    const checked = await runCli(['check-patch', '-'], { cwd: ws.root, input: addFile('runs/other/approval.json', ['{}']) });
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /runs\/other\/approval\.json is inside the runs directory/);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('apply-task refuses a patch into the runs directory even when it was approved (the runs directory moved since)', async () => {
    const run = await approvedRun(ws, addFile('records/x.json', ['{}']));
    renameSync(path.join(ws.root, 'runs'), path.join(ws.root, 'records'));
    try {
      const refused = await ws.cli(['--runs-dir', 'records', 'apply-task', '--run', run, '--task', 'T001', '--commit']);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /^error: T001's patch is not applied: records\/x\.json is inside the runs directory \(records\/\)/);
      assert.equal(existsSync(path.join(ws.root, 'records/x.json')), false);
      await must(ws.cli(['--runs-dir', 'records', 'verify', '--run', run]), 'verify');
    } finally {
      renameSync(path.join(ws.root, 'records'), path.join(ws.root, 'runs'));
    }
  });

  test('approve-task refuses an attempt that writes into the runs directory (validated before the runs directory moved there)', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: addFile('store/y.json', ['{}']) });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
    renameSync(path.join(ws.root, 'runs'), path.join(ws.root, 'store'));
    try {
      const refused = await ws.cli(['--runs-dir', 'store', 'approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer', '--ack-undeclared']);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /no longer applies as written on top of the approved patches \(store\/y\.json is inside the runs directory \(store\/\)/);
      assert.equal(existsSync(path.join(ws.root, 'store', run, 'executions/T001/approval.json')), false);
    } finally {
      renameSync(path.join(ws.root, 'store'), path.join(ws.root, 'runs'));
    }
  });
});

describe('a patch that changes a hook the commit runs', () => {
  let ws: Workspace;
  const HOOK = ['#!/bin/sh', 'exit 0', ''].join('\n');
  const ranMarker = () => path.join(ws.root, 'hook-ran.txt');
  before(async () => {
    ws = await workspace();
    await git(ws.root, ['config', 'core.hooksPath', 'hooks']);
    const hook = path.join(ws.root, 'hooks/pre-commit');
    mkdirSync(path.dirname(hook), { recursive: true });
    writeFileSync(hook, HOOK);
    chmodSync(hook, 0o755);
    await git(ws.root, ['add', 'hooks/pre-commit']);
    await git(ws.root, ['commit', '-q', '-m', 'a pre-commit hook']);
  });
  after(() => ws.close());

  const hookDiff = [
    'diff --git a/hooks/pre-commit b/hooks/pre-commit',
    '--- a/hooks/pre-commit',
    '+++ b/hooks/pre-commit',
    '@@ -1,2 +1,3 @@',
    ' #!/bin/sh',
    '+echo ran > hook-ran.txt',
    ' exit 0',
    '',
  ].join('\n');

  test('core.hooksPath: apply-task refuses it unless --allow-hook-change (recorded), and show warns', async () => {
    const run = await approvedRun(ws, hookDiff, ['hooks/pre-commit']);
    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T001']), 'show --task');
    assert.match(shown.stdout, /^warning: changes hooks\/pre-commit, a git hook that the next commit runs \(apply-task needs --allow-hook-change\)$/m);

    const head = await git(ws.root, ['rev-parse', 'HEAD']);
    for (const extra of [['--commit'], []]) {
      const refused = await ws.cli(['apply-task', '--run', run, '--task', 'T001', ...extra]);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /^error: T001's patch changes hooks\/pre-commit, a git hook that the next commit runs: .*--allow-hook-change/);
      assert.equal(readFileSync(path.join(ws.root, 'hooks/pre-commit'), 'utf8'), HOOK);
    }
    assert.equal(existsSync(ranMarker()), false, 'the model-written hook never ran');
    assert.equal(await git(ws.root, ['rev-parse', 'HEAD']), head);

    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit', '--allow-hook-change']), 'apply-task --allow-hook-change');
    const line = auditLines(ws, run).at(-1);
    assert.deepEqual(line.args, { allow_hook_change: true, commit: true, run, task: 'T001' });
    assert.match(line.warnings.join('\n'), /hooks\/pre-commit, a git hook .*--allow-hook-change was given/);
    rmSync(ranMarker(), { force: true });
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('.husky/: a new hook file is refused too', async () => {
    const run = await approvedRun(ws, addFile('.husky/pre-commit', ['echo ran > hook-ran.txt']));
    const refused = await ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /T001's patch changes \.husky\/pre-commit, a git hook/);
    assert.equal(existsSync(path.join(ws.root, '.husky/pre-commit')), false);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

describe('a file replaced by a folder, and back, in one patch', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace({ 'src/app.js': APP_JS, lib: 'export const lib = 1;\n' });
  });
  after(() => ws.close());

  test('apply-task --commit commits each replacement whole, leaving nothing staged', async () => {
    const toFolder = [
      'diff --git a/lib b/lib',
      'deleted file mode 100644',
      '--- a/lib',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-export const lib = 1;',
      addFile('lib/index.js', ['export const lib = 2;']),
    ].join('\n');
    const run = await approvedRun(ws, toFolder, ['lib']);
    const applied = await ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(await git(ws.root, ['ls-tree', '-r', '--name-only', 'HEAD', '--', 'lib']), 'lib/index.js\n');
    assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'lib', 'src']), '', 'nothing staged or changed is left');
    assert.equal((await git(ws.root, ['log', '-1', '--format=%(trailers:key=Task,valueonly)'])).trim(), 'T001');

    const back = [
      'diff --git a/lib/index.js b/lib/index.js',
      'deleted file mode 100644',
      '--- a/lib/index.js',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-export const lib = 2;',
      addFile('lib', ['export const lib = 3;']),
    ].join('\n');
    ws.fake.enqueueReply({ content: back });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer', '--ack-undeclared']), 'approve-task T002');
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002 --commit');
    assert.equal(await git(ws.root, ['show', 'HEAD:lib']), 'export const lib = 3;\n');
    assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'lib', 'src']), '');
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

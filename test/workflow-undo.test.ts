/**
 * undo-task through the built CLI, against the fake Ollama server and a real repository: both kinds
 * of apply taken back out, the refusals (a tree changed since, a task applied on top), apply-task
 * again after an undo, what status and runs say, the audit line, and verify on a run with undos.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runCli, type CliResult } from './support/cli.js';
import { lines, must, restorableCompleteRun, type RestorableRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, T001_REPLY, T002_DIFF, task, workspace, type Workspace } from './support/workflow-fixture.js';

const AFTER_T001 = ['export function greet(name) {', "  const who = name || 'world';", "  return 'Hello ' + who;", '}', ''].join('\n');
const AFTER_T002 = ['export function greet(name) {', "  const who = name || 'world';", "  return ('Hello ' + who).toUpperCase();", '}', ''].join('\n');
const SIGKILLED = 137;

describe('undo-task through the built CLI', () => {
  let ws: Workspace;
  let run: string;
  let base: string;
  let saved: RestorableRun;

  before(async () => {
    ws = await workspace();
    saved = await restorableCompleteRun(ws);
    ({ run, base } = saved);
  });
  after(async () => {
    saved.dispose();
    await ws.close();
  });
  // Each test starts from the base commit, a clean tree, and the run as completeRun left it.
  beforeEach(() => saved.restore());

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, ...env } });
  const app = () => readFileSync(path.join(ws.root, 'src/app.js'), 'utf8');
  const audit = () => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  const head = async () => (await git(ws.root, ['rev-parse', 'HEAD'])).trim();
  const statusLine = async (taskId: string) => lines((await must(cli(['status', '--run', run]), 'status')).stdout).find((line) => line.startsWith(`  ${taskId} `))!;
  const refused = async (args: string[]): Promise<string> => {
    const result = await cli(args);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(lines(result.stderr).length, 1, `one line: ${result.stderr}`);
    return result.stderr;
  };

  test('a working-tree apply is taken back out, recorded, shown by status and runs, and can be applied again', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task T001');
    assert.match(await statusLine('T001'), /approved .*\[applied to the working tree\]$/);
    writeFileSync(path.join(ws.root, 'notes.txt'), 'mine\n');

    const undone = await must(cli(['undo-task', '--run', run, '--task', 'T001', '--json']), 'undo-task T001');
    const outcome = JSON.parse(undone.stdout);
    assert.equal(outcome.ok, true);
    assert.deepEqual(outcome.warnings, []);
    const patchSha = createHash('sha256').update(readFileSync(path.join(ws.root, 'runs', run, 'executions/T001/artifacts/patch.diff'))).digest('hex');
    assert.deepEqual(outcome.result, {
      run_id: run,
      task: 'T001',
      mode: 'working-tree',
      changed: true,
      patch_sha256: patchSha,
      files: [{ kind: 'modify', old_path: 'src/app.js', new_path: 'src/app.js' }],
      applied_commit: null,
      revert_commit: null,
      record: 'undo/T001/undo-001.json',
    });
    assert.equal(app(), APP_JS, 'the patch is out');
    assert.equal(readFileSync(path.join(ws.root, 'notes.txt'), 'utf8'), 'mine\n', 'an unrelated change is kept');
    assert.equal(await head(), base, 'no commit');
    assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'src']), '', 'the file is back as committed');

    const line = audit().at(-1);
    assert.equal(line.command, 'undo-task');
    assert.equal(line.outcome, 'ok');
    assert.deepEqual(line.args, { run, task: 'T001' });
    assert.deepEqual(line.artifacts.map((item: { path: string }) => item.path), ['undo/T001/undo-001.json']);
    const record = ws.json(run, 'undo/T001/undo-001.json');
    assert.equal(record.mode, 'working-tree');
    assert.equal(record.undo, 1);
    assert.deepEqual(record.patch, { path: 'executions/T001/artifacts/patch.diff', sha256: patchSha });
    assert.equal(record.head_before, base);

    assert.match(await statusLine('T001'), /\[undone\]$/);
    assert.doesNotMatch(await statusLine('T002'), /applied|undone/);
    const status = JSON.parse((await must(cli(['status', '--run', run, '--json']), 'status --json')).stdout);
    assert.deepEqual(status.result.tasks.map((task: { id: string; applied: boolean; application: string | null }) => [task.id, task.applied, task.application]), [['T001', false, 'undone'], ['T002', false, null]]);
    assert.match((await must(cli(['runs']), 'runs')).stdout, /2\/2 approved, 1 undone/);

    assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), /T001 was undone already \(undo\/T001\/undo-001\.json\): apply it again with `apply-task --run \S+ --task T001`/);

    await must(cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task T001 again');
    assert.equal(app(), AFTER_T001);
    assert.match(await statusLine('T001'), /\[applied to the working tree\]$/);
    assert.match((await must(cli(['runs']), 'runs')).stdout, /2\/2 approved, 1 applied\s/);
    const text = await must(cli(['undo-task', '--run', run, '--task', 'T001']), 'undo-task T001 again');
    assert.deepEqual(lines(text.stdout), [
      '  modify src/app.js',
      'T001 undone: its patch was taken back out of the working tree (not staged, not committed); review with git diff',
      `apply it again with: llm-orchestrator apply-task --run ${run} --task T001`,
    ]);
    assert.equal(ws.json(run, 'undo/T001/undo-002.json').undo, 2, 'the second undo has a record of its own');
    assert.equal(app(), APP_JS);
    await must(cli(['verify', '--run', run]), 'verify with undo records');
  });

  test('a working tree changed since the apply is refused in one line, and nothing is touched', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task T001');
    const edited = AFTER_T001.replace("'world'", "'everyone'");
    writeFileSync(path.join(ws.root, 'src/app.js'), edited);
    const before = audit().length;
    assert.match(
      await refused(['undo-task', '--run', run, '--task', 'T001']),
      /^error: T001's patch cannot be taken back out of the working tree \(.*\): src\/app\.js changed since apply-task; .*run undo-task again/,
    );
    assert.equal(app(), edited, 'the edit is kept');
    assert.equal(audit().length, before + 1);
    assert.equal(audit().at(-1).outcome, 'error');
    assert.match(await statusLine('T001'), /\[applied to the working tree\]$/, 'still applied');
  });

  test("a symbolic link where the patch's file was is refused, and nothing is written through it", async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task T001');
    const outside = mkdtempSync(path.join(tmpdir(), 'llmo-undo-outside-'));
    try {
      writeFileSync(path.join(outside, 'app.js'), AFTER_T001);
      rmSync(path.join(ws.root, 'src/app.js'));
      symlinkSync(path.join(outside, 'app.js'), path.join(ws.root, 'src/app.js'));
      assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), /^error: T001's patch is not undone: src\/app\.js is a symbolic link in the working tree .*then run undo-task again/);
      assert.equal(readFileSync(path.join(outside, 'app.js'), 'utf8'), AFTER_T001, 'the file outside is untouched');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a patch changed after its approval is not reversed', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task T001');
    const patchFile = path.join(ws.root, 'runs', run, 'executions/T001/artifacts/patch.diff');
    writeFileSync(patchFile, readFileSync(patchFile, 'utf8').replace('}', '}\n// more'));
    assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), /patch\.diff hashes to [0-9a-f]{12}, but .* approved .*changed after it was approved, so it is not undone; run `verify/);
    assert.equal(app(), AFTER_T001);
  });

  test('a task that was never applied has nothing to undo', async () => {
    assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), /no apply-task of run \S+ recorded T001 as applied, so there is nothing to undo: apply it with `apply-task/);
  });

  test('--commit applies are reverted by commits with trailers, the dependent task first, on top of a HEAD that moved', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    const t001 = await head();
    await must(cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002');
    assert.match(await statusLine('T002'), /\[applied, committed\]$/);

    assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), /^error: T002 \(depends on T001\) is applied on top of T001: run `undo-task --run \S+ --task T002` first/);
    assert.equal(app(), AFTER_T002);

    // An unrelated commit after the task's: the revert goes on top of it.
    writeFileSync(path.join(ws.root, 'README.txt'), 'later\n');
    await git(ws.root, ['add', 'README.txt']);
    await git(ws.root, ['commit', '-q', '-m', 'unrelated']);
    const moved = await head();

    const undone = JSON.parse((await must(cli(['undo-task', '--run', run, '--task', 'T002', '--json']), 'undo-task T002')).stdout).result;
    assert.equal(undone.mode, 'commit');
    assert.equal(undone.revert_commit, await head());
    assert.equal((await git(ws.root, ['rev-parse', 'HEAD~1'])).trim(), moved, 'on top of the HEAD that moved');
    assert.equal(undone.applied_commit, (await git(ws.root, ['rev-parse', 'HEAD~2'])).trim());
    assert.equal(app(), AFTER_T002.replace("('Hello ' + who).toUpperCase()", "'Hello ' + who"));
    assert.equal(await git(ws.root, ['show', '--format=', '--name-only', 'HEAD']), 'src/app.js\n', 'only the reverse is committed');
    const patchSha = ws.json(run, 'executions/T002/attempt-002/approval.json').subject.sha256;
    assert.equal(await git(ws.root, ['log', '-1', '--format=%B']), `Revert "Shout option"\n\nThis reverts commit ${undone.applied_commit}.\n\nRun: ${run}\nTask: T002\nReverts-patch-sha256: ${patchSha}\n\n`);
    assert.equal(ws.json(run, undone.record).revert_commit, undone.revert_commit);

    const text = await must(cli(['undo-task', '--run', run, '--task', 'T001']), 'undo-task T001');
    assert.match(text.stdout, new RegExp(`^T001 undone: reverted by commit ${(await head()).slice(0, 12)} \\(reverts ${t001.slice(0, 12)}\\)\napply it again with: llm-orchestrator apply-task --run ${run} --task T001 --commit$`, 'm'));
    assert.equal(app(), APP_JS);
    assert.match(await git(ws.root, ['log', '-1', '--format=%B']), new RegExp(`^Revert "Default name"\\n\\nThis reverts commit ${t001}\\.\\n`));
    assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'src']), '');
    assert.match((await must(cli(['runs']), 'runs')).stdout, /2\/2 approved, 2 undone\s+nothing left to do/, 'an undone task is not proposed again');
    await must(cli(['verify', '--run', run]), 'verify with revert commits');
    // The report says so too: each task undone, by which revert commit, with the undo record.
    const page = (await must(cli(['report', '--run', run]), 'report')).stdout;
    assert.equal(page.match(/<td>undone<\/td><\/tr>/g)?.length, 2, 'the tasks table names both undone');
    assert.ok(page.includes(`Undone by the revert commit <code>${undone.revert_commit.slice(0, 12)}</code> of <code>${undone.applied_commit.slice(0, 12)}</code>`), 'T002');
    assert.ok(page.includes('<code>undo/T002/undo-001.json</code>') && page.includes('<code>undo/T001/undo-001.json</code>'));

    // Applied again after the undo: a new commit, and its undo finds that one, not the first.
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001 again');
    const again = await head();
    assert.equal(app(), AFTER_T001);
    const second = JSON.parse((await must(cli(['undo-task', '--run', run, '--task', 'T001', '--json']), 'undo-task T001 again')).stdout).result;
    assert.equal(second.applied_commit, again);
    assert.equal(second.record, 'undo/T001/undo-002.json');
  });

  test('a commit that later commits changed is refused with the git command to use instead', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    const t001 = await head();
    const changed = AFTER_T001.replace("'world'", "'everyone'");
    writeFileSync(path.join(ws.root, 'src/app.js'), changed);
    await git(ws.root, ['commit', '-q', '-am', 'by hand']);
    const at = await head();
    assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), new RegExp(`T001's patch cannot be taken back out of HEAD \\(.*\\): later commits changed its lines; revert it by hand with \`git revert ${t001.slice(0, 12)}\``));
    assert.equal(await head(), at);
    assert.equal(app(), changed);

    // Uncommitted changes to the patch's file would be mixed into the revert commit: refused.
    await git(ws.root, ['reset', '-q', '--hard', t001]);
    writeFileSync(path.join(ws.root, 'src/app.js'), AFTER_T001 + '// mine\n');
    assert.match(await refused(['undo-task', '--run', run, '--task', 'T001']), /src\/app\.js has uncommitted changes, which T001's revert commit would be mixed with: commit or stash them first/);
    assert.equal(app(), AFTER_T001 + '// mine\n');
  });

  test('a SIGKILL between staging the reverse and committing it is put back by the next command', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    const t001 = await head();
    // Git writes of undo-task --commit: 1 the reverse apply, 2 the commit.
    const killed = await cli(['undo-task', '--run', run, '--task', 'T001'], { LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE: '2' });
    assert.equal(killed.code, SIGKILLED);
    assert.equal(app(), APP_JS, 'killed with the reverse staged');

    const status = await must(cli(['status', '--run', run]), 'status after the kill');
    assert.match(status.stdout, /T001 .*\[applied, committed\]/);
    assert.equal(app(), AFTER_T001, 'the patch is back');
    assert.equal(await git(ws.root, ['diff', '--cached', '--name-only']), '');
    assert.ok(audit().at(-1).warnings.some((warning: string) => /died after staging the reverse of T001's patch/.test(warning)));

    await must(cli(['undo-task', '--run', run, '--task', 'T001']), 'undo-task again');
    assert.equal(app(), APP_JS);
    assert.equal((await git(ws.root, ['rev-parse', 'HEAD~1'])).trim(), t001);
  });

  test('a SIGKILL after the revert commit, before the audit line, is recorded by the next command', async () => {
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    // The first run-store write of undo-task is its undo record, after the commit.
    const killed = await cli(['undo-task', '--run', run, '--task', 'T001'], { LLM_ORCHESTRATOR_CRASH_AT_WRITE: '1' });
    assert.equal(killed.code, SIGKILLED);
    assert.equal(app(), APP_JS);
    const revert = await head();

    assert.match(await statusLine('T001'), /\[undone\]$/);
    const recorded = audit().find((line) => line.command === 'undo-task' && line.outcome === 'ok');
    assert.deepEqual(recorded.args, { recorded_commit: revert, run, task: 'T001' });
    // The task is no longer applied: apply-task's own recovery must not take the reverted commit,
    // still on HEAD with its trailers, for the application a killed apply-task left unrecorded.
    const killedApply = await cli(['apply-task', '--run', run, '--task', 'T001', '--commit'], { LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE: '1' });
    assert.equal(killedApply.code, SIGKILLED);
    assert.match(await statusLine('T001'), /\[undone\]$/);
    assert.equal(audit().filter((line) => line.command === 'apply-task' && line.outcome === 'ok').length, 1);
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001 again');
    assert.equal(app(), AFTER_T001);
    await must(cli(['verify', '--run', run]), 'verify');
  });
});

describe('undo-task: a later task on the same file without depends_on', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('is refused while that task is applied, and works once it is undone', async () => {
    const run = await ws.init();
    const plan = { summary: 'Two independent edits of one file.', milestones: [{ id: 'M1', title: 'Greeting', tasks: [task('T001', 'Default name', ['src/app.js'], []), task('T002', 'Shout option', ['src/app.js'], [])] }] };
    ws.fake.enqueueReply({ content: JSON.stringify(plan) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    for (const [id, reply] of [['T001', T001_REPLY], ['T002', T002_DIFF]] as const) {
      ws.fake.enqueueReply({ content: reply });
      await must(ws.cli(['run-task', '--run', run, '--task', id]), `run-task ${id}`);
      await must(ws.cli(['approve-task', '--run', run, '--task', id, '--by', 'Reviewer']), `approve-task ${id}`);
      await must(ws.cli(['apply-task', '--run', run, '--task', id, '--commit']), `apply-task ${id}`);
    }
    const refusal = await ws.cli(['undo-task', '--run', run, '--task', 'T001']);
    assert.equal(refusal.code, 1);
    assert.match(refusal.stderr, /^error: T002 \(applied later, changes src\/app\.js\) is applied on top of T001: run `undo-task --run \S+ --task T002` first\n$/);
    await must(ws.cli(['undo-task', '--run', run, '--task', 'T002']), 'undo-task T002');
    await must(ws.cli(['undo-task', '--run', run, '--task', 'T001']), 'undo-task T001');
    assert.equal(readFileSync(path.join(ws.root, 'src/app.js'), 'utf8'), APP_JS);
  });
});

/**
 * SIGKILL inside apply-task: before each git command that changes the repository
 * (LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE) and before its audit line (LLM_ORCHESTRATOR_CRASH_AT_WRITE).
 * Whatever the point, the next command settles it: a finished commit is recognised by its trailers
 * and recorded, a staged patch is taken back out, and `status` never names a step that cannot run.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from './support/cli.js';
import { lines, must, restorableCompleteRun, type RestorableRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, workspace, type Workspace } from './support/workflow-fixture.js';

const SIGKILLED = 137;
const AFTER_T001 = ['export function greet(name) {', "  const who = name || 'world';", "  return 'Hello ' + who;", '}', ''].join('\n');

describe('SIGKILL inside apply-task', () => {
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

  const runDir = () => path.join(ws.root, 'runs', run);
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, ...env } });
  const audit = () => lines(readFileSync(path.join(runDir(), 'audit.log'), 'utf8')).map((line) => JSON.parse(line));
  const app = () => readFileSync(path.join(ws.root, 'src/app.js'), 'utf8');
  const nextStep = async () => {
    const status = await cli(['status', '--run', run]);
    assert.equal(status.code, 0, status.stderr);
    return status.stdout;
  };

  /** The repository at the base commit and the run as completeRun left it. */
  const restore = () => saved.restore();

  /** Every crash point of `apply-task T001` with `extra`: each as an environment to crash with. */
  function crashPoints(extra: string[]): Array<Record<string, string>> {
    const gitWrites = extra.includes('--commit') ? 2 : 1;
    return [...Array.from({ length: gitWrites }, (_, i) => ({ LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE: String(i + 1) })), { LLM_ORCHESTRATOR_CRASH_AT_WRITE: '1' }];
  }

  for (const extra of [['--commit'], []]) {
    test(`apply-task T001 ${extra.join(' ') || '(working tree only)'}: after a kill at any point, status settles it and the run goes on`, async () => {
      const outcomes = new Set<string>();
      for (const point of crashPoints(extra)) {
        await restore();
        const where = JSON.stringify(point);
        const crashed = await cli(['apply-task', '--run', run, '--task', 'T001', ...extra], point);
        assert.equal(crashed.code, SIGKILLED, `${where}: ${crashed.stdout}${crashed.stderr}`);
        const linesBefore = audit().length;

        const status = await nextStep();
        const head = (await git(ws.root, ['rev-parse', 'HEAD'])).trim();
        assert.equal(await git(ws.root, ['diff', '--cached', '--name-only']), '', `${where}: nothing is left staged`);
        const recorded = audit().slice(linesBefore).filter((line) => line.command === 'apply-task');
        const warnings = audit().slice(linesBefore).flatMap((line) => line.warnings ?? []).join('\n');
        if (/took the patch back out/.test(warnings)) outcomes.add('taken back out');
        if (app() === APP_JS) {
          // Killed before git changed anything, or its staged change was taken back out.
          assert.equal(head, base, where);
          assert.deepEqual(recorded, [], where);
          assert.match(status, /next: llm-orchestrator apply-task --run \S+ --task T001/, where);
          outcomes.add('nothing done');
          await must(cli(['apply-task', '--run', run, '--task', 'T001', ...extra]), `apply-task T001 again after ${where}`);
        } else {
          // Finished but unrecorded: recorded now, and the next step is the next task.
          assert.equal(app(), AFTER_T001, where);
          assert.equal(recorded.length, 1, `${where}: one apply-task line is recorded for T001`);
          assert.equal(recorded[0].args.task, 'T001');
          assert.equal(recorded[0].outcome, 'ok');
          if (extra.includes('--commit')) {
            assert.notEqual(head, base, where);
            assert.equal(recorded[0].args.recorded_commit, head);
            assert.match(recorded[0].warnings[0], /died after committing T001's patch as [0-9a-f]{12}, before writing its audit line; recorded by status/);
          } else {
            assert.equal(head, base, where);
            assert.match(recorded[0].warnings[0], /died after applying T001's patch to the working tree.*recorded as applied \(not committed\) by status/);
          }
          assert.match(status, /next: llm-orchestrator apply-task --run \S+ --task T002/, `${where}: ${status}`);
          outcomes.add('recorded');
        }
        if (extra.length === 0) await git(ws.root, ['commit', '-q', '-am', 'T001 by hand']);
        await must(cli(['apply-task', '--run', run, '--task', 'T002', ...extra]), `apply-task T002 after ${where}`);
        await must(cli(['verify', '--run', run]), `verify after ${where}`);
      }
      // Every kind of leftover was reached, not only the two ends.
      assert.deepEqual([...outcomes].sort(), extra.includes('--commit') ? ['nothing done', 'recorded', 'taken back out'] : ['nothing done', 'recorded']);
    });
  }

  test('apply-task itself, run again after a kill before its commit, takes the staged patch back out and commits it once', async () => {
    await restore();
    const crashed = await cli(['apply-task', '--run', run, '--task', 'T001', '--commit'], { LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE: '2' });
    assert.equal(crashed.code, SIGKILLED);
    assert.equal((await git(ws.root, ['diff', '--cached', '--name-only'])).trim(), 'src/app.js', 'the kill left the patch staged');
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001 --commit again');
    const line = audit().at(-1);
    assert.match(line.warnings.join('\n'), /died after staging T001's patch, before committing it; apply-task took the patch back out/);
    assert.equal((await git(ws.root, ['rev-list', '--count', `${base}..HEAD`])).trim(), '1');
    assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'src']), '');
    await must(cli(['verify', '--run', run]), 'verify');
  });

  test('with the lock removed by hand too, apply-task run again recognises the commit by its trailers and records it', async () => {
    await restore();
    const crashed = await cli(['apply-task', '--run', run, '--task', 'T001', '--commit'], { LLM_ORCHESTRATOR_CRASH_AT_WRITE: '1' });
    assert.equal(crashed.code, SIGKILLED);
    rmSync(path.join(runDir(), '.lock'));
    const head = (await git(ws.root, ['rev-parse', 'HEAD'])).trim();
    assert.match(await nextStep(), /next: llm-orchestrator apply-task --run \S+ --task T001/, 'nothing told status');
    const again = await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001 --commit again');
    assert.match(again.stderr, /T001's patch was already committed as [0-9a-f]{12} \(its trailers name this run, T001 and the patch\), but no apply-task had recorded it: recorded as applied now/);
    assert.equal((await git(ws.root, ['rev-parse', 'HEAD'])).trim(), head, 'no second commit');
    assert.equal(audit().at(-1).outcome, 'ok');
    assert.match(await nextStep(), /next: llm-orchestrator apply-task --run \S+ --task T002/);
    await must(cli(['verify', '--run', run]), 'verify');
  });

  test('a commit a hook refuses leaves nothing staged: the patch is taken back out', async () => {
    await restore();
    const hook = path.join(ws.root, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "lint failed" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    try {
      const refused = await cli(['apply-task', '--run', run, '--task', 'T001', '--commit']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^error: git commit failed \(lint failed\), so T001's patch was taken back out of the index and the working tree: /);
      assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'src']), '', 'nothing staged or changed');
      assert.equal(app(), APP_JS);
      assert.equal((await git(ws.root, ['rev-parse', 'HEAD'])).trim(), base);
    } finally {
      rmSync(hook);
    }
    await must(cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001 --commit once the hook passes');
    await must(cli(['verify', '--run', run]), 'verify');
  });

  test("a person's own staged change is never taken back out", async () => {
    await restore();
    const crashed = await cli(['apply-task', '--run', run, '--task', 'T001', '--commit'], { LLM_ORCHESTRATOR_CRASH_AT_GIT_WRITE: '2' });
    assert.equal(crashed.code, SIGKILLED);
    // The person edits the staged file after the kill: the index no longer matches the working tree.
    writeFileSync(path.join(ws.root, 'src/app.js'), AFTER_T001 + '// mine\n');
    await nextStep();
    assert.match(audit().at(-1).warnings.join('\n'), /the index and the working tree hold changes to src\/app\.js that are not exactly T001's patch: left as they are/);
    assert.equal(app(), AFTER_T001 + '// mine\n', 'the working tree is left as the person made it');
    assert.equal((await git(ws.root, ['diff', '--cached', '--name-only'])).trim(), 'src/app.js', 'and the index too');
    await must(cli(['verify', '--run', run]), 'verify');
  });
});

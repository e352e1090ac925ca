import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, runCli, type CliResult } from './support/cli.js';
import { copyRun, lines, must } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const ESC = '\x1b[';
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
/** src/app.js after T001, and after T001 + T002. */
const AFTER_T001 = ['export function greet(name) {', "  const who = name || 'world';", "  return 'Hello ' + who;", '}', ''].join('\n');
const AFTER_T002 = ['export function greet(name) {', "  const who = name || 'world';", "  return ('Hello ' + who).toUpperCase();", '}', ''].join('\n');

describe('show, apply-task and runs through the built CLI', () => {
  let ws: Workspace;
  let run: string;
  /** The CLI with these environment variables changed (undefined removes one). */
  const cliWith = (args: string[], env: Record<string, string | undefined>): Promise<CliResult> => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, ...env } });
  const app = () => readFileSync(path.join(ws.root, 'src/app.js'), 'utf8');
  const audit = () => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  const runFiles = () => {
    // Every file of the run but the audit log, with its hash: what a read-only command must not change.
    const listing = git(ws.root, ['ls-files', '--others', '-z', '--', `runs/${run}`]);
    return listing.then((text) =>
      Object.fromEntries(text.split('\0').filter((file) => file !== '' && !file.endsWith('audit.log')).map((file) => [file, sha(readFileSync(path.join(ws.root, file)))])),
    );
  };

  before(async () => {
    ws = await workspace();
    run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
  });
  after(() => ws.close());

  test('show without --task prints the plan with its approval state', async () => {
    const pending = await must(ws.cli(['show', '--run', run]), 'show');
    assert.match(pending.stdout, /plan revision 1 \(plan\/plan\.json sha256 [0-9a-f]{12}\)/);
    assert.match(pending.stdout, /decision: awaiting approval: llm-orchestrator approve-plan --run /);
    assert.match(pending.stdout, /^M1 Greeting$/m);
    assert.match(pending.stdout, /^ {2}T002 Shout option$/m);
    assert.match(pending.stdout, /^ {4}depends on: T001$/m);

    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    const approved = await must(ws.cli(['show', '--run', run]), 'show');
    assert.match(approved.stdout, /decision: approved by Reviewer at \d{4}-/);
    assert.match(approved.stdout, /^ {2}T001 Default name \[ready\]$/m);
    assert.match(approved.stdout, /^ {2}T002 Shout option \[blocked\]$/m);
  });

  test("show --task prints the patch with the fixes and the validation above it, and writes nothing but its audit line", async () => {
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');

    const before = await runFiles();
    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T001']), 'show --task');
    assert.deepEqual(await runFiles(), before, 'show changes no file of the run');
    assert.equal(audit().at(-1).command, 'show');
    assert.deepEqual(audit().at(-1).args, { run, task: 'T001' });

    const out = shown.stdout;
    assert.ok(!out.includes(ESC), 'NO_COLOR: no escape codes');
    assert.match(out, /T001 attempt 1 of 1: Default name/);
    assert.match(out, /validation: ok: applies to base [0-9a-f]{12} \+ 0 approved patch\(es\), 1 file\(s\)/);
    assert.match(out, /decision: awaiting review: llm-orchestrator approve-task --run \S+ --task T001/);
    assert.match(out, /fixed hunk-counts \(src\/app\.js hunk 1\): /);
    assert.match(out, /fixed strip-fences: /);
    const patch = ws.read(run, 'executions/T001/artifacts/patch.diff');
    assert.ok(out.endsWith(patch), 'the patch follows the summary, byte for byte');
    assert.ok(out.indexOf('validation:') < out.indexOf('diff --git') && out.indexOf('fixed hunk-counts') < out.indexOf('diff --git'));
  });

  test('show colours the patch like git diff with FORCE_COLOR, and not in a pipe even when CI is set', async () => {
    const forced = await must(cliWith(['show', '--run', run, '--task', 'T001'], { NO_COLOR: undefined, FORCE_COLOR: '1' }), 'show FORCE_COLOR');
    const out = forced.stdout;
    assert.ok(out.includes(`${ESC}1mdiff --git a/src/app.js b/src/app.js${ESC}22m`), 'file header bold');
    assert.ok(out.includes(`${ESC}1m--- a/src/app.js${ESC}22m`), '--- header bold, not red');
    assert.ok(out.includes(`${ESC}36m@@ -1,3 +1,4 @@${ESC}39m`), '@@ cyan');
    assert.ok(out.includes(`${ESC}31m-  return 'Hello ' + name;${ESC}39m`), 'removed line red');
    assert.ok(out.includes(`${ESC}32m+  const who = name || 'world';${ESC}39m`), 'added line green');
    assert.ok(out.includes(`\n export function greet(name) {\n`), 'context lines plain');
    assert.ok(out.includes(`${ESC}32mok${ESC}39m`), 'validation result coloured');

    const piped = await must(cliWith(['show', '--run', run, '--task', 'T001'], { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: '1' }), 'show piped');
    assert.ok(!piped.stdout.includes(ESC), 'stdout is a pipe: no colour');
    const both = await must(cliWith(['show', '--run', run, '--task', 'T001'], { NO_COLOR: '1', FORCE_COLOR: '1' }), 'show NO_COLOR');
    assert.ok(!both.stdout.includes(ESC), 'NO_COLOR wins');
    const zero = await must(cliWith(['show', '--run', run, '--task', 'T001'], { NO_COLOR: undefined, FORCE_COLOR: '0' }), 'show FORCE_COLOR=0');
    assert.ok(!zero.stdout.includes(ESC), 'FORCE_COLOR=0 does not force');

    // A terminal gets colour with no variable set; /dev/null, a character device that is not a
    // terminal, gets none and is no error (the CLI tells them apart without process.stdout).
    const env: NodeJS.ProcessEnv = { ...process.env, OLLAMA_HOST: ws.fake.url, TERM: 'xterm' };
    for (const name of ['NO_COLOR', 'FORCE_COLOR', 'CI']) delete env[name];
    const command = [process.execPath, CLI, 'show', '--run', run, '--task', 'T001'].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    const terminal = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ws.root, env, encoding: 'utf8' });
    assert.equal(terminal.status, 0, terminal.stdout + terminal.stderr);
    assert.ok(terminal.stdout.includes(`${ESC}36m@@ -1,3 +1,4 @@${ESC}39m`), 'a terminal: coloured');
    const devNull = openSync('/dev/null', 'w');
    try {
      const discarded = spawnSync(process.execPath, [CLI, 'show', '--run', run, '--task', 'T001'], { cwd: ws.root, env, stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8' });
      assert.equal(discarded.status, 0, discarded.stderr);
    } finally {
      closeSync(devNull);
    }
  });

  test('apply-task refuses a patch that is not approved, and changes nothing', async () => {
    const refused = await ws.cli(['apply-task', '--run', run, '--task', 'T001']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: T001 is not approved \(attempt 1 awaits review\): .*approve-task/);
    assert.equal(lines(refused.stderr).length, 1, 'one line');
    assert.equal(app(), APP_JS);
    assert.equal(audit().at(-1).command, 'apply-task');
    assert.equal(audit().at(-1).outcome, 'error');

    const unknown = await ws.cli(['apply-task', '--run', run, '--task', 'T009']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /T009 is not in the approved plan/);
  });

  test('show says why an attempt has no patch, and shows an earlier attempt with --attempt', async () => {
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
    ws.fake.enqueueReply({ content: 'I would rather not change this file.' });
    const failed = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(failed.code, 1, 'a reply without a diff does not validate');
    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 again');

    const first = await must(ws.cli(['show', '--run', run, '--task', 'T002', '--attempt', '1']), 'show --attempt 1');
    assert.match(first.stdout, /T002 attempt 1 of 2: Shout option/);
    assert.match(first.stdout, /validation: fails: /);
    const reason = ws.json(run, 'executions/T002/exec.response.json').normalization.error;
    assert.ok(reason, 'the recorded normalization error');
    assert.ok(first.stdout.includes(`patch: none: ${reason}`), first.stdout);
    assert.doesNotMatch(first.stdout, /^diff --git/m);

    const latest = await must(ws.cli(['show', '--run', run, '--task', 'T002']), 'show T002');
    assert.match(latest.stdout, /T002 attempt 2 of 2/);
    assert.match(latest.stdout, /\+ 1 approved patch\(es\) \(T001\)/);
    assert.match(latest.stdout, /fixes: none: the patch is exactly the diff the model wrote/);

    const tooFar = await ws.cli(['show', '--run', run, '--task', 'T002', '--attempt', '3']);
    assert.equal(tooFar.code, 1);
    assert.match(tooFar.stderr, /T002 has 2 attempt\(s\): pass --attempt 1 to 2/);
    const notNumber = await ws.cli(['show', '--run', run, '--task', 'T002', '--attempt', 'two']);
    assert.equal(notNumber.code, 2);
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
  });

  test('apply-task refuses a patch changed after its approval', async () => {
    const runsDir = copyRun(ws, run);
    try {
      const patchFile = path.join(runsDir, run, 'executions/T001/artifacts/patch.diff');
      writeFileSync(patchFile, readFileSync(patchFile, 'utf8').replace("'world'", "'everyone'"));
      const refused = await ws.cli(['--runs-dir', runsDir, 'apply-task', '--run', run, '--task', 'T001']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /executions\/T001\/artifacts\/patch\.diff hashes to [0-9a-f]{12}, but .* approved .*changed after it was approved/);
      assert.equal(app(), APP_JS);
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  });

  test('apply-task refuses to apply out of order, and on top of uncommitted changes', async () => {
    const outOfOrder = await ws.cli(['apply-task', '--run', run, '--task', 'T002']);
    assert.equal(outOfOrder.code, 1);
    assert.match(outOfOrder.stderr, /T002's patch does not apply to the working tree \(.*\): it was validated on top of T001, .*apply-task T001 first/);
    assert.equal(app(), APP_JS);

    writeFileSync(path.join(ws.root, 'src/app.js'), APP_JS + '// local edit\n');
    const dirty = await ws.cli(['apply-task', '--run', run, '--task', 'T001']);
    assert.equal(dirty.code, 1);
    assert.match(dirty.stderr, /src\/app\.js has uncommitted changes, .*commit or stash them first/);
    assert.equal(app(), APP_JS + '// local edit\n', 'the local edit is kept');
    writeFileSync(path.join(ws.root, 'src/app.js'), APP_JS);
  });

  test('apply-task applies an approved patch to the working tree only, and records it', async () => {
    const pending = await must(ws.cli(['runs']), 'runs');
    assert.match(pending.stdout, new RegExp(`completed\\s+2/2 approved\\s+next: llm-orchestrator apply-task --run ${run} --task T001`));
    const applied = await must(ws.cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task T001');
    assert.match(applied.stdout, /modify src\/app\.js/);
    assert.match(applied.stdout, /T001 applied to the working tree/);
    assert.equal(app(), AFTER_T001);
    assert.equal(await git(ws.root, ['diff', '--cached', '--name-only']), '', 'the index is left alone');
    const line = audit().at(-1);
    assert.equal(line.command, 'apply-task');
    assert.equal(line.outcome, 'ok');
    assert.deepEqual(line.args, { run, task: 'T001' });
    assert.match((await must(ws.cli(['runs']), 'runs')).stdout, /next: llm-orchestrator apply-task --run \S+ --task T002/, 'runs knows T001 is applied');

    const again = await ws.cli(['apply-task', '--run', run, '--task', 'T001']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /uncommitted changes/, 'applied but not committed: the file is now changed');
    await git(ws.root, ['checkout', '--', 'src/app.js']);
  });

  test('apply-task --commit refuses a staged index, then commits just the patch with trailers', async () => {
    writeFileSync(path.join(ws.root, 'other.txt'), 'staged\n');
    await git(ws.root, ['add', 'other.txt']);
    const staged = await ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']);
    assert.equal(staged.code, 1);
    assert.match(staged.stderr, /the index has staged changes \(other\.txt\) that --commit would sweep into T001's commit/);
    assert.equal(app(), APP_JS);
    await git(ws.root, ['rm', '-q', '--cached', 'other.txt']);

    const headBefore = (await git(ws.root, ['rev-parse', 'HEAD'])).trim();
    const committed = await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task --commit');
    const head = (await git(ws.root, ['rev-parse', 'HEAD'])).trim();
    assert.match(committed.stdout, new RegExp(`T001 applied and committed as ${head.slice(0, 12)}`));
    assert.equal((await git(ws.root, ['rev-parse', 'HEAD~1'])).trim(), headBefore);
    assert.equal(await git(ws.root, ['show', '--format=', '--name-only', 'HEAD']), 'src/app.js\n', 'only the patch is committed');
    assert.equal(await git(ws.root, ['show', 'HEAD:src/app.js']), AFTER_T001);
    assert.equal((await git(ws.root, ['log', '-1', '--format=%s'])).trim(), 'Default name');
    const trailers = await git(ws.root, ['log', '-1', '--format=%(trailers:only,unfold)']);
    const patchSha = sha(readFileSync(path.join(ws.root, 'runs', run, 'executions/T001/artifacts/patch.diff')));
    assert.equal(trailers.trim(), `Run: ${run}\nTask: T001\nPatch-sha256: ${patchSha}`);
    assert.deepEqual(audit().at(-1).args, { commit: true, run, task: 'T001' });
    assert.equal(await git(ws.root, ['status', '--porcelain', '--', 'src', 'other.txt']), '?? other.txt\n');

    const twice = await ws.cli(['apply-task', '--run', run, '--task', 'T001']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /T001's patch is already in the working tree/);

    await must(ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002 --commit');
    assert.equal(app(), AFTER_T002);
    assert.match(await git(ws.root, ['log', '-1', '--format=%B']), /^Shout option\n\nShout option\.\n\nRun: .*\nTask: T002\nPatch-sha256: [0-9a-f]{64}\n/);
    await must(ws.cli(['verify', '--run', run]), 'verify after apply-task');
  });

  test('runs lists every run, sorted, with its state and next command; a broken run is listed as broken', async () => {
    const second = await ws.init();
    mkdirSync(path.join(ws.root, 'runs', '0000-no-manifest'));
    mkdirSync(path.join(ws.root, 'runs', '0001-truncated'));
    writeFileSync(path.join(ws.root, 'runs', '0001-truncated', 'manifest.json'), '{"schema_version": 1, "run_');
    const listed = await must(ws.cli(['runs']), 'runs');
    const rows = lines(listed.stdout);
    assert.deepEqual(rows.map((row) => row.split(/\s+/)[0]), ['0000-no-manifest', '0001-truncated', ...[run, second].sort()]);
    assert.match(rows[0]!, /^0000-no-manifest\s+broken\s+run 0000-no-manifest not found/);
    assert.match(rows[1]!, /^0001-truncated\s+broken\s+manifest\.json in run 0001-truncated is not valid JSON/);
    const byId = (id: string) => rows.find((row) => row.startsWith(`${id} `))!;
    assert.match(byId(run), /completed\s+2\/2 approved, 2 applied\s+nothing left to do/);
    assert.match(byId(second), new RegExp(`needs-plan\\s+next: llm-orchestrator plan --run ${second}$`));

    const empty = path.join(ws.root, 'no-runs-here');
    const none = await must(ws.cli(['--runs-dir', empty, 'runs']), 'runs in an empty folder');
    assert.match(none.stdout, /^no runs in .*no-runs-here: start one with llm-orchestrator init/);
  });
});

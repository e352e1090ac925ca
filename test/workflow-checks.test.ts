import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './support/browser.js';
import { browserTestSkipReason } from './support/chromium.js';
import { CLI, runCli } from './support/cli.js';
import { lines, must, planApprovedRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, T001_REPLY, T002_DIFF, packCopy, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/** A real node script of the repository: greet() must default to "world", which only T001 makes true. */
const GREET_CHECK = [
  "import { greet } from './src/app.js';",
  "const said = greet();",
  "if (said !== 'Hello world') { console.error(`greet() said ${said}`); process.exit(1); }",
  "console.log('greet ok');",
  '',
].join('\n');

const PASSING = 'node check-greet.mjs';
const ALSO_PASSING = 'test -f src/app.js && grep -q who src/app.js';
/** Fails with and without the patch. */
const ALREADY_FAILING = 'echo failing-before-too >&2; exit 3';
/** Passes on base, fails once the patch adds `who`. */
const BROKEN_BY_PATCH = '! grep -q who src/app.js || { echo "who is here now"; exit 4; }';

describe('checks: the person\'s commands run on each validated patch in a throwaway copy (through the built CLI)', () => {
  let ws: Workspace;
  let tmp: string;
  /** The report of the run whose checks pass and fail, for the test in a browser. */
  let checksReport: string | null = null;
  /** The CLI with its own temporary folder, so what the checks leave behind there can be seen. */
  const cli = (args: string[]) => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, TMPDIR: tmp } });
  const audit = (run: string) => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  const leftovers = () => readdirSync(tmp).filter((name) => name.startsWith('llm-orchestrator-checks-'));
  /** run-task of T001 started, returned once its check is running (its copy exists and the shell has had time to start). */
  const runTaskInCheck = async (run: string) => {
    ws.fake.enqueueReply({ content: T001_REPLY });
    const child = spawn(process.execPath, [CLI, 'run-task', '--run', run, '--task', 'T001'], {
      cwd: ws.root,
      env: { ...process.env, NO_COLOR: '1', OLLAMA_HOST: ws.fake.url, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('close', (exit, signal) => resolve({ code: exit, signal, stderr })));
    while (leftovers().length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { child, ended, stderr: () => stderr };
  };
  const verified = async (run: string) => {
    const result = await ws.cli(['verify', '--run', run]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  };

  before(async () => {
    ws = await workspace({ 'src/app.js': APP_JS, 'package.json': '{ "type": "module" }\n', 'check-greet.mjs': GREET_CHECK });
    tmp = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-checks-test-'));
  });
  after(async () => {
    await ws.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('init --check records the commands in the manifest and the audit log', async () => {
    const run = await ws.init(['--check', PASSING, '--check', ALREADY_FAILING]);
    assert.deepEqual(ws.json(run, 'manifest.json').checks, [PASSING, ALREADY_FAILING]);
    assert.deepEqual(audit(run)[0].args.check, [PASSING, ALREADY_FAILING]);
    const plain = await ws.init();
    assert.equal(ws.json(plain, 'manifest.json').checks, undefined, 'no check declared, none recorded');
  });

  test('passing and failing checks, the baseline without the patch, approval needs --ack-failed-checks, the next attempt hears the output', async () => {
    const run = await planApprovedRun(ws, ['--check', PASSING, '--check', ALSO_PASSING, '--check', ALREADY_FAILING, '--check', BROKEN_BY_PATCH]);
    const statusBefore = await git(ws.root, ['status', '--porcelain']);
    const indexBefore = await git(ws.root, ['ls-files', '--stage']);
    ws.fake.enqueueReply({ content: T001_REPLY });
    const ran = await must(cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
    assert.match(ran.stdout, /✅ check `node check-greet\.mjs` passed/);
    assert.match(ran.stdout, /❌ check `echo failing-before-too >&2; exit 3` failed \(exited 3\); it fails without this patch too \(exited 3\)/);
    assert.match(ran.stderr, /check `! grep -q who src\/app\.js .*` failed \(exited 4\); it passes without this patch, so the patch broke it/);

    const response = ws.json(run, 'executions/T001/exec.response.json');
    const checks = response.checks as any[];
    assert.deepEqual(checks.map((check) => [check.command, check.exit_code, check.passed, check.timed_out]), [
      [PASSING, 0, true, false],
      [ALSO_PASSING, 0, true, false],
      [ALREADY_FAILING, 3, false, false],
      [BROKEN_BY_PATCH, 4, false, false],
    ]);
    assert.equal(checks[0].baseline, undefined, 'a passing check runs once');
    assert.deepEqual([checks[2].baseline.exit_code, checks[2].baseline.passed], [3, false]);
    assert.deepEqual([checks[3].baseline.exit_code, checks[3].baseline.passed], [0, true]);
    assert.equal(checks[0].log, 'executions/T001/artifacts/check-1.log');
    assert.equal(ws.read(run, checks[0].log), 'greet ok\n', 'the node script ran on the patched copy');
    assert.equal(ws.read(run, checks[2].log), 'failing-before-too\n');
    assert.equal(ws.read(run, 'executions/T001/artifacts/check-4.baseline.log'), '');
    for (const check of checks) assert.ok(typeof check.duration_ms === 'number' && /^[0-9a-f]{64}$/.test(check.output_sha256));

    // The person's repository is as it was, and the copies are gone.
    assert.equal(readFileSync(path.join(ws.root, 'src/app.js'), 'utf8'), APP_JS);
    assert.equal(await git(ws.root, ['status', '--porcelain']), statusBefore);
    assert.equal(await git(ws.root, ['ls-files', '--stage']), indexBefore);
    assert.equal((await git(ws.root, ['worktree', 'list', '--porcelain'])).match(/^worktree /gm)!.length, 1, 'no worktree registered');
    assert.deepEqual(leftovers(), []);

    const md = ws.read(run, 'executions/T001/exec.md');
    assert.match(md, /## Checks/);
    assert.match(md, /- ✅ `node check-greet\.mjs`: passed in \d+\.\d s/);
    assert.match(md, /- ❌ `echo failing-before-too >&2; exit 3`: failed \(exited 3\)/);
    assert.ok(md.includes('  ```\n  failing-before-too\n  ```'), md);

    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T001']), 'show');
    assert.match(shown.stdout, /❌ check echo failing-before-too >&2; exit 3: failed \(exited 3\); it fails without this patch too/);
    assert.match(shown.stdout, /\n {4}who is here now\n/);

    const report = (await must(ws.cli(['report', '--run', run]), 'report')).stdout;
    assert.match(report, /<li class="check-passed">✅ <code>node check-greet\.mjs<\/code>: passed in \d+\.\d s/);
    assert.match(report, /<li class="check-failed">❌ <code>echo failing-before-too &gt;&amp;2; exit 3<\/code>: failed \(exited 3\); it fails without this patch too \(exited 3\) in [^<]*<code>executions\/T001\/artifacts\/check-3\.log<\/code><pre class="text">failing-before-too<\/pre>/);

    checksReport = report;

    const status = await must(ws.cli(['status', '--run', run]), 'status');
    assert.match(status.stdout, /checks: T001 attempt 1: ❌ `echo failing-before-too >&2; exit 3` failed \(exited 3\); it fails without this patch too/);

    const refused = await ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(lines(refused.stderr).length, 1, refused.stderr);
    assert.match(refused.stderr, /check `echo failing-before-too >&2; exit 3` failed .*--ack-failed-checks/);
    assert.ok(!existsSync(path.join(ws.root, 'runs', run, 'executions/T001/approval.json')));

    await must(ws.cli(['reject-task', '--run', run, '--task', 'T001', '--reason', 'the checks fail', '--by', 'Reviewer']), 'reject-task');
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001 attempt 2');
    const messages = JSON.parse(ws.fake.requests.filter((request) => request.path === '/api/chat').at(-1)!.body).messages;
    const feedback = messages.at(-1).content as string;
    assert.match(feedback, /A check run on your change failed\. The end of its output:/);
    assert.ok(feedback.includes(`$ ${ALREADY_FAILING}\n(failed (exited 3); it fails without this patch too (exited 3))\nfailing-before-too`), feedback);
    assert.ok(feedback.includes(`$ ${BROKEN_BY_PATCH}\n`) && feedback.includes('who is here now'), feedback);
    assert.ok(!feedback.includes(PASSING), 'a passing check is not sent');
    const attempt2 = ws.json(run, 'executions/T001/attempt-002/exec.response.json');
    assert.ok(attempt2.feedback.check_output.includes('who is here now'));

    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer', '--ack-failed-checks']), 'approve-task --ack-failed-checks');
    assert.equal(audit(run).at(-1).args.ack_failed_checks, true);

    // --no-checks: one attempt without them, recorded.
    ws.fake.enqueueReply({ content: T002_DIFF });
    const skipped = await must(cli(['run-task', '--run', run, '--task', 'T002', '--no-checks']), 'run-task --no-checks');
    assert.match(skipped.stderr, /did not run \(--no-checks\)/);
    const t002 = ws.json(run, 'executions/T002/exec.response.json');
    assert.equal(t002.checks, undefined);
    assert.equal(t002.checks_skipped, 'no-checks');
    assert.equal(audit(run).at(-1).args.no_checks, true);
    assert.ok(!existsSync(path.join(ws.root, 'runs', run, 'executions/T002/artifacts/check-1.log')));
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002 without checks');
    assert.deepEqual(leftovers(), []);
    await verified(run);
  });

  // Run where the report's browser test runs (a machine without Chromium skips both, CI never does).
  test('in a real browser each check result of that report is visible, the failed output under its check', { skip: browserTestSkipReason() ?? false }, async () => {
    assert.ok(checksReport !== null, 'the test before wrote the report');
    const reportFile = path.join(tmp, 'report.html');
    writeFileSync(reportFile, checksReport);
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
      const items = page.locator('#task-T001 .checks li');
      assert.equal(await items.count(), 4);
      assert.ok(await items.nth(0).isVisible());
      assert.match(await items.nth(0).innerText(), /^✅ node check-greet\.mjs: passed/);
      assert.match(await items.nth(3).innerText(), /❌ ! grep -q who src\/app\.js .*the patch broke it[\s\S]*who is here now/);
    } finally {
      await browser.close();
    }
    rmSync(reportFile);
  });

  test('where the platform allows, a check has no network: it cannot reach a server on this machine; doctor says so', async (t) => {
    const { networkIsolationAvailable } = await import('../src/checks/run-check.js');
    if (!(await networkIsolationAvailable())) {
      t.skip('unshare -rn is not available here: checks run with the network, and doctor warns');
      return;
    }
    // The fake model server listens on this machine's loopback: a check outside a namespace of its own reaches it.
    const port = new URL(ws.fake.url).port;
    const reach = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(7))"`;
    const run = await planApprovedRun(ws, ['--check', reach]);
    ws.fake.enqueueReply({ content: T001_REPLY });
    const result = await cli(['run-task', '--run', run, '--task', 'T001']);
    const check = ws.json(run, 'executions/T001/exec.response.json').checks[0];
    assert.equal(check.network, 'none', result.stderr);
    assert.equal(check.exit_code, 7, 'the check could not connect');
    const doctor = await ws.cli(['doctor', '--run', run]);
    assert.match(doctor.stdout, /checks run without network access/);
    await verified(run);
  });

  test('replay sends the model requests again and runs no check', async () => {
    const marker = path.join(tmp, 'check-ran.txt');
    const run = await planApprovedRun(ws, ['--check', `echo ran >> ${marker}`]);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    assert.equal(readFileSync(marker, 'utf8'), 'ran\n');
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) }, { content: T001_REPLY });
    const replay = await must(cli(['replay', '--run', run]), 'replay');
    assert.equal((replay.stdout.match(/identical reply$/gm) ?? []).length, 2, replay.stdout);
    assert.equal(readFileSync(marker, 'utf8'), 'ran\n', 'the check did not run again');
    assert.deepEqual(leftovers(), []);
    await verified(run);
  });

  test('a check that runs past --check-timeout is stopped and recorded as timed out', async () => {
    // A check that would run a minute: stopped at 1 s twice (with and without the patch), the
    // command ends far sooner, with room for a loaded machine's slowness.
    const run = await planApprovedRun(ws, ['--check', 'echo started; sleep 60']);
    ws.fake.enqueueReply({ content: T001_REPLY });
    const started = Date.now();
    await must(cli(['run-task', '--run', run, '--task', 'T001', '--check-timeout', '1']), 'run-task');
    assert.ok(Date.now() - started < 30_000, 'not waited out');
    const [check] = ws.json(run, 'executions/T001/exec.response.json').checks;
    assert.deepEqual([check.exit_code, check.timed_out, check.passed, check.baseline.timed_out], [null, true, false, true]);
    assert.ok(check.duration_ms >= 1000 && check.duration_ms < 4000, String(check.duration_ms));
    assert.equal(ws.read(run, check.log), 'started\n');
    assert.equal(audit(run).at(-1).args.check_timeout, 1);
    const bad = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--check-timeout', 'soon']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.deepEqual(leftovers(), []);
    await verified(run);
  });

  test('Ctrl-C during a check: exit 130, the copy removed, the attempt recorded without checks, nothing half-written', async () => {
    const run = await planApprovedRun(ws, ['--check', 'echo started; sleep 30']);
    const { child, ended } = await runTaskInCheck(run);
    const started = Date.now();
    child.kill('SIGINT');
    const { code, stderr } = await ended;
    assert.equal(code, 130, stderr);
    assert.ok(Date.now() - started < 3000, 'the check was stopped, not waited for');
    assert.match(stderr, /interrupted during the check `echo started; sleep 30`/);
    assert.deepEqual(leftovers(), []);
    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.equal(response.checks, undefined);
    assert.equal(response.checks_skipped, 'interrupted');
    assert.deepEqual(readdirSync(path.join(ws.root, 'runs', run, 'executions/T001/artifacts')).filter((name) => name.startsWith('check-')), []);
    assert.equal(audit(run).at(-1).outcome, 'error');
    const refused = await ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /checks were interrupted.*--ack-failed-checks/);
    await verified(run);
  });

  test('a second Ctrl-C during a check: exit 130 at once, the check and its children killed, the copy removed, the run lock released', async () => {
    const run = await planApprovedRun(ws, ['--check', 'echo started; sleep 37; sleep 37']);
    const { child, ended, stderr: said } = await runTaskInCheck(run);
    child.kill('SIGINT');
    // Signals sent back to back can arrive as one: the second goes once the first was handled.
    while (!said().includes('interrupted') && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    const { code, signal, stderr } = await ended;
    // 130 from the handler, or the signal itself when it lands as the process ends (a shell shows 130 too).
    assert.ok(code === 130 || signal === 'SIGINT', `${code} ${signal} ${stderr}`);
    assert.deepEqual(leftovers(), []);
    const sleeping = spawnSync('pgrep', ['-f', 'sleep 37'], { encoding: 'utf8' });
    assert.equal(sleeping.stdout.trim(), '', 'no process of the check is left running');
    // Whether the second signal lands before or after the command's own audit line, the command is recorded.
    const last = audit(run).at(-1);
    assert.deepEqual([last.command, last.outcome], ['run-task', 'error'], 'the interrupted command is in the audit log');
    await must(ws.cli(['status', '--run', run]), 'status after the second Ctrl-C');
    await verified(run);
  });

  test('SIGTERM during a check: exit 143 at once, the check killed, and the command still in the audit log with what it wrote', async () => {
    const run = await planApprovedRun(ws, ['--check', 'echo started; sleep 39; sleep 39']);
    const { child, ended } = await runTaskInCheck(run);
    child.kill('SIGTERM');
    const { code, stderr } = await ended;
    assert.equal(code, 143, stderr);
    assert.deepEqual(leftovers(), []);
    const last = audit(run).at(-1);
    assert.deepEqual([last.command, last.outcome, last.error], ['run-task', 'error', 'interrupted: the process ended before the command finished']);
    assert.ok(last.artifacts.some((artifact: { path: string }) => artifact.path === 'executions/T001/exec.request.json'), 'what it wrote is recorded');
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 39'], { encoding: 'utf8' }).stdout.trim(), '', 'no process of the check is left running');
    await must(ws.cli(['status', '--run', run]), 'status after SIGTERM');
    await verified(run);
  });

  test("a pack's checks and check_links: node_modules is linked into the copy from the repository", async () => {
    mkdirSync(path.join(ws.root, 'node_modules/dep'), { recursive: true });
    writeFileSync(path.join(ws.root, 'node_modules/dep/index.js'), 'dep here\n');
    const pack = packCopy(ws, 'linked-pack', (manifest) => {
      manifest.checks = ['test -L node_modules && cat node_modules/dep/index.js'];
      manifest.check_links = ['node_modules'];
    });
    const run = await planApprovedRun(ws, ['--pack', pack, '--check', 'true']);
    const manifest = ws.json(run, 'manifest.json');
    assert.deepEqual(manifest.checks, ['test -L node_modules && cat node_modules/dep/index.js', 'true'], "the pack's checks first, then --check");
    assert.deepEqual(manifest.check_links, ['node_modules']);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    const [check] = ws.json(run, 'executions/T001/exec.response.json').checks;
    assert.equal(check.passed, true, ws.read(run, check.log));
    assert.equal(ws.read(run, check.log), 'dep here\n');
    assert.ok(existsSync(path.join(ws.root, 'node_modules/dep/index.js')), 'the linked folder is left alone');
    assert.deepEqual(leftovers(), []);
    await verified(run);

    const escaping = packCopy(ws, 'escaping-pack', (m) => {
      m.check_links = ['../outside'];
    });
    const refused = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', 'm', '--executor-model', 'm', '--pack', escaping]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /check_links/);
  });

  test('run-task --checks-only runs the checks again on the latest attempt, without a model call, as a new record', async () => {
    mkdirSync(path.join(ws.root, 'node_modules'), { recursive: true });
    rmSync(path.join(ws.root, 'node_modules/installed'), { force: true });
    const pack = packCopy(ws, 'install-pack', (manifest) => {
      manifest.checks = ['test -f node_modules/installed'];
      manifest.check_links = ['node_modules'];
    });
    const run = await planApprovedRun(ws, ['--pack', pack]);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    assert.equal(ws.json(run, 'executions/T001/exec.response.json').checks[0].passed, false);

    // The person fixes the environment, then asks again: no model call.
    writeFileSync(path.join(ws.root, 'node_modules/installed'), '');
    const calls = ws.fake.requests.length;
    const again = await must(cli(['run-task', '--run', run, '--task', 'T001', '--checks-only']), 'run-task --checks-only');
    assert.equal(ws.fake.requests.length, calls, 'no request to the model server');
    assert.match(again.stdout, /T001 attempt 1: checks run again, recorded in executions\/T001\/artifacts\/recheck-001\/checks\.json/);
    assert.match(again.stdout, /✅ check `test -f node_modules\/installed` passed/);
    const rerun = ws.json(run, 'executions/T001/artifacts/recheck-001/checks.json');
    assert.deepEqual([rerun.attempt, rerun.checks[0].passed, rerun.checks[0].log], [1, true, 'executions/T001/artifacts/recheck-001/check-1.log']);
    assert.equal(audit(run).at(-1).args.checks_only, true);
    assert.equal(ws.json(run, 'executions/T001/exec.response.json').checks[0].passed, false, 'the first result is kept as it was');

    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T001']), 'show');
    assert.match(shown.stdout, /✅ check test -f node_modules\/installed: passed/);
    const mixed = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--checks-only', '--feedback', 'x']);
    assert.equal(mixed.code, 2, mixed.stderr);
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task after the checks pass');
    assert.deepEqual(leftovers(), []);
    await verified(run);
  });

  test('a checks.json no audit line records is not a result: a forged pass does not lift --ack-failed-checks', async () => {
    const run = await planApprovedRun(ws, ['--check', 'exit 5']);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    const failed = ws.json(run, 'executions/T001/exec.response.json').checks[0];
    const forged = path.join(ws.root, 'runs', run, 'executions/T001/artifacts/recheck-001');
    mkdirSync(forged);
    writeFileSync(path.join(forged, 'checks.json'), JSON.stringify({ schema_version: 1, task: 'T001', attempt: 1, checks: [{ ...failed, exit_code: 0, passed: true, baseline: undefined }] }));
    const refused = await ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /check `exit 5` failed .*--ack-failed-checks/);
  });
});

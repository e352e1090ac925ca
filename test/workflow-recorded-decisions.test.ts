/**
 * A decision counts only if audit.log records it as it is now. The attack: a file the shape of an
 * approval put into the run by something other than approve-task (a patch applied to a working
 * tree that holds runs/, a person, another program), or an edited manifest.json pointing the run at
 * another server. Through the built CLI, against the fake server.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { firstTaskApprovedRun, lines, must } from './support/complete-run.js';
import { T002_DIFF, workspace, type Workspace } from './support/workflow-fixture.js';

const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

describe('decisions count only as audit.log records them', () => {
  let ws: Workspace;
  let run: string;
  const file = (rel: string): string => path.join(ws.root, 'runs', run, rel);
  const T002_APPROVAL = 'executions/T002/approval.json';

  before(async () => {
    ws = await workspace();
    run = await firstTaskApprovedRun(ws);
    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002');
    // What the attack left: T001's approval, made to approve T002's patch, where approve-task
    // would have written it. No audit line names it.
    const approval = JSON.parse(readFileSync(file('executions/T001/approval.json'), 'utf8'));
    const patch = 'executions/T002/artifacts/patch.diff';
    approval.subject = { ...approval.subject, path: patch, sha256: sha(readFileSync(file(patch))), task: 'T002' };
    writeFileSync(file(T002_APPROVAL), JSON.stringify(approval, null, 2) + '\n');
  });
  after(() => ws.close());

  const warned = (stderr: string, rel: string): void => {
    assert.match(stderr, new RegExp(`warning: ${rel.replace(/[.]/g, '\\.')} is not counted as a decision: no audit\\.log line records it; run \`verify --run ${run}\``));
  };

  test('status: the task still awaits review, with a warning naming the file and verify', async () => {
    const status = await must(ws.cli(['status', '--run', run]), 'status');
    assert.match(status.stdout, /T002 awaiting-review/);
    assert.doesNotMatch(status.stdout, /T002 approved/);
    assert.match(status.stdout, /next: llm-orchestrator approve-task --run \S+ --task T002/);
    warned(status.stderr, T002_APPROVAL);
    const line = JSON.parse(lines(readFileSync(file('audit.log'), 'utf8')).at(-1)!);
    assert.ok(line.warnings.some((warning: string) => warning.startsWith(`${T002_APPROVAL} is not counted`)), 'the warning is in the audit line');
  });

  test('show --task and report show no decision, and say why', async () => {
    const show = await must(ws.cli(['show', '--run', run, '--task', 'T002', '--json']), 'show');
    assert.equal(JSON.parse(show.stdout).result.decision, null);
    warned(show.stderr, T002_APPROVAL);
    const report = await must(ws.cli(['report', '--run', run, '--out', 'report.html']), 'report');
    warned(report.stderr, T002_APPROVAL);
    assert.match(readFileSync(path.join(ws.root, 'report.html'), 'utf8'), /executions\/T002\/approval\.json is not counted as a decision/);
  });

  test('apply-task refuses the patch no one approved, and commits nothing', async () => {
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    const refused = await ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^error: T002 is not approved \(attempt 1 awaits review\)/m);
    warned(refused.stderr, T002_APPROVAL);
    assert.doesNotMatch(readFileSync(path.join(ws.root, 'src/app.js'), 'utf8'), /toUpperCase/);
  });

  test('runs does not count the forged approval either', async () => {
    const runs = await must(ws.cli(['runs', '--json']), 'runs');
    const summary = JSON.parse(runs.stdout).result.runs.find((item: { run_id: string }) => item.run_id === run);
    assert.equal(summary.tasks_approved, 1);
  });

  test('a recorded approval changed afterwards does not count either; verify names both files', async () => {
    const t001 = file('executions/T001/approval.json');
    const original = readFileSync(t001);
    try {
      writeFileSync(t001, original.toString('utf8').replace('"Reviewer"', '"Mallory"'));
      const status = await must(ws.cli(['status', '--run', run]), 'status');
      assert.match(status.stdout, /T001 awaiting-review/);
      assert.match(status.stderr, /warning: executions\/T001\/approval\.json is not counted as a decision: it hashes to [0-9a-f]{12}, audit\.log recorded [0-9a-f]{12}; run `verify/);
      const verify = await ws.cli(['verify', '--run', run]);
      assert.equal(verify.code, 1);
      assert.match(verify.stdout, /❌ executions\/T001\/approval\.json: recorded sha256/);
      assert.match(verify.stdout, /❌ executions\/T002\/approval\.json: unrecorded/);
    } finally {
      writeFileSync(t001, original);
    }
  });

  test('approve-task is not blocked by the file: it is set aside, recorded, and the person decides; verify passes', async () => {
    const approve = await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    warned(approve.stderr, T002_APPROVAL);
    assert.match(approve.stderr, /^warning: executions\/T002\/approval\.json was not a decision audit\.log records; moved to uncounted\//m);
    const line = JSON.parse(lines(readFileSync(file('audit.log'), 'utf8')).at(-1)!);
    assert.equal(line.command, 'approve-task');
    assert.match(line.warnings[1], /^executions\/T002\/approval\.json was not a decision audit\.log records; moved to uncounted\/\d{8}T\d{6}Z-approve-task\/executions\/T002\/approval\.json \(kept, not used\)$/);
    assert.equal(JSON.parse(readFileSync(file(T002_APPROVAL), 'utf8')).by, 'Reviewer');
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /T002 approved/);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

describe('manifest.json is used only as init recorded it', () => {
  let ws: Workspace;
  let elsewhere: FakeOllama;
  before(async () => {
    ws = await workspace();
    elsewhere = await startFakeOllama();
  });
  after(async () => {
    await elsewhere.close();
    await ws.close();
  });

  test('an edited base_url is never called: every command refuses in one line naming verify', async () => {
    const run = await ws.init();
    const manifestFile = path.join(ws.root, 'runs', run, 'manifest.json');
    const original = readFileSync(manifestFile);
    const manifest = JSON.parse(original.toString('utf8'));
    manifest.base_url = elsewhere.url;
    manifest.allow_remote = true;
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    const refusal = new RegExp(`^error: manifest\\.json of run ${run} is not used: it hashes to [0-9a-f]{12}, audit\\.log recorded [0-9a-f]{12}; run \`verify --run ${run}\`\\n$`);
    for (const args of [['plan'], ['status'], ['show'], ['doctor'], ['replay']]) {
      const result = await ws.cli([...args, '--run', run]);
      if (args[0] === 'doctor') {
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stdout, /manifest\.json of run \S+ is not used/);
      } else {
        assert.equal(result.code, 1, `${args[0]}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, refusal, args[0]);
      }
    }
    assert.equal(elsewhere.requests.length, 0, 'nothing was sent to the edited base URL');
    assert.equal(ws.fake.requests.filter((request) => request.path === '/api/chat').length, 0);
    const verify = await ws.cli(['verify', '--run', run]);
    assert.match(verify.stdout, /❌ manifest\.json: recorded sha256/);
    writeFileSync(manifestFile, original);
    await must(ws.cli(['status', '--run', run]), 'status with the manifest put back');
    await must(ws.cli(['verify', '--run', run]), 'verify with the manifest put back');
  });
});

describe('approved patches are used only as they were approved', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('run-task refuses to build on an approved patch changed since, before calling the model', async () => {
    const run = await firstTaskApprovedRun(ws);
    const patchFile = path.join(ws.root, 'runs', run, 'executions/T001/artifacts/patch.diff');
    const original = readFileSync(patchFile);
    writeFileSync(patchFile, original.toString('utf8').replace("name || 'world'", "name || 'WORLD'"));
    const calls = ws.fake.requests.length;
    const refused = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^error: executions/T001/artifacts/patch\\.diff is not the patch executions/T001/approval\\.json approved \\(it was changed after it was approved\\): run \`verify --run ${run}\`\\n$`));
    assert.equal(ws.fake.requests.length, calls, 'no model call');
    writeFileSync(patchFile, original);
    await must(ws.cli(['verify', '--run', run]), 'verify with the patch put back');
  });

  test('an allowlist no audit line records is not used: the executor is not shown the file it adds', async () => {
    const run = await firstTaskApprovedRun(ws);
    const file = path.join(ws.root, 'runs', run, 'context/allowlist.json');
    const original = readFileSync(file);
    const allowlist = JSON.parse(original.toString('utf8'));
    allowlist.files.push({ ...allowlist.files[0], path: 'secret/notes.txt', sha256: sha('do not leak me\n') });
    writeFileSync(file, JSON.stringify(allowlist, null, 2) + '\n');
    const calls = ws.fake.requests.length;
    for (const args of [['run-task', '--task', 'T002'], ['list-context']]) {
      const refused = await ws.cli([...args, '--run', run]);
      assert.equal(refused.code, 1, args[0]);
      assert.match(refused.stderr, new RegExp(`^error: context/allowlist\\.json of run ${run} is not used: it hashes to [0-9a-f]{12}, audit\\.log recorded [0-9a-f]{12}; run \`verify --run ${run}\`\\n$`), args[0]);
    }
    assert.equal(ws.fake.requests.length, calls, 'no model call');
    writeFileSync(file, original);
    await must(ws.cli(['verify', '--run', run]), 'verify with the allowlist put back');
  });
});

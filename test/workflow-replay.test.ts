import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { canonicalJson } from '../src/model/canonical-json.js';
import { lines, must } from './support/complete-run.js';
import { DEFAULT_FAKE_MODELS } from './support/fake-ollama.js';
import { T001_REPLY, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const PLAN_REPLY = JSON.stringify(twoTaskPlan());
const CHANGED = 'f'.repeat(64);

/** Every file of the run but its audit log and replay reports, with its bytes. */
function recordOf(runDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(runDir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (child !== 'replays') walk(child);
      } else if (child !== 'audit.log') files.set(child, readFileSync(path.join(runDir, child), 'latin1'));
    }
  };
  walk('');
  return files;
}

describe('replay sends the recorded requests again and compares the replies', () => {
  let ws: Workspace;
  let run: string;
  let runDir: string;
  const chats = () => ws.fake.requests.filter((request) => request.path === '/api/chat');
  const lastAudit = () => JSON.parse(lines(ws.read(run, 'audit.log')).at(-1)!);

  before(async () => {
    ws = await workspace();
    run = await ws.init();
    runDir = path.join(ws.root, 'runs', run);
    ws.fake.enqueueReply({ content: PLAN_REPLY });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run]), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
  });
  beforeEach(() => ws.fake.setModels(DEFAULT_FAKE_MODELS));
  after(() => ws.close());

  test('an unchanged server: every reply identical, the bodies sent byte for byte, only a report and an audit line written', async () => {
    const recorded = recordOf(runDir);
    const sentBefore = chats().length;
    ws.fake.enqueueReply({ content: PLAN_REPLY }, { content: T001_REPLY });
    const result = await ws.cli(['replay', '--run', run]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^✅ plan\/plan\.request\.json: identical reply$/m);
    assert.match(result.stdout, /^✅ executions\/T001\/exec\.request\.json: identical reply$/m);
    const reportPath = /report: (replays\/\d{8}-\d{6}(-\d+)?\.json)$/m.exec(result.stdout)?.[1];
    assert.ok(reportPath, result.stdout);

    const sent = chats().slice(sentBefore);
    assert.deepEqual(sent.map((request) => request.body), [ws.read(run, 'plan/plan.request.json'), ws.read(run, 'executions/T001/exec.request.json')]);

    const report = ws.json(run, reportPath);
    assert.deepEqual(report.summary, { calls: 2, identical: 2, different: 0, failed: 0 });
    assert.equal(report.models.planner.current_digest, report.models.planner.recorded_digest);
    assert.equal(ws.read(run, reportPath), canonicalJson(report), 'the report is canonical JSON');
    assert.deepEqual(report.calls.map((call: { request: string }) => call.request), ['plan/plan.request.json', 'executions/T001/exec.request.json']);
    assert.deepEqual(recordOf(runDir), recorded, 'nothing recorded before was changed or added');
    const audit = lastAudit();
    assert.equal(audit.command, 'replay');
    assert.deepEqual(audit.artifacts.map((a: { path: string }) => a.path), [reportPath]);
    assert.equal((await ws.cli(['verify', '--run', run])).code, 0, 'the run still verifies');
  });

  test('a changed reply: the call is ❌ with the first difference (byte, line, column, both sides); exit 1', async () => {
    const changed = T001_REPLY.replace("const who = name || 'world';", "const who = name ?? 'world';");
    const offset = [...T001_REPLY].findIndex((char, i) => char !== changed[i]);
    const before = T001_REPLY.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    ws.fake.enqueueReply({ content: PLAN_REPLY }, { content: changed });
    const result = await ws.cli(['replay', '--run', run]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^✅ plan\/plan\.request\.json: identical reply$/m);
    assert.match(
      result.stdout,
      new RegExp(`^❌ executions/T001/exec\\.request\\.json: the reply differs in content at byte ${offset} \\(line ${line}, column ${column}\\): recorded ".*\\|\\| 'world';.*", replayed ".*\\?\\? 'world';.*"$`, 'm'),
    );
    const reportPath = /report: (\S+)$/m.exec(result.stdout)![1]!;
    const call = ws.json(run, reportPath).calls[1];
    assert.equal(call.identical, false);
    assert.equal(call.differs_in, 'content');
    assert.deepEqual([call.first_difference.offset, call.first_difference.line, call.first_difference.column], [offset, line, column]);
  });

  test('--task replays only that task', async () => {
    const sentBefore = chats().length;
    ws.fake.enqueueReply({ content: T001_REPLY });
    const result = await ws.cli(['replay', '--run', run, '--task', 'T001']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(chats().length, sentBefore + 1);
    assert.doesNotMatch(result.stdout, /plan\.request\.json/);
    const unknown = await ws.cli(['replay', '--run', run, '--task', 'T009']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no recorded request for T009/);
  });

  test('a model whose digest changed is refused before anything is sent; --allow-model-change proceeds and is recorded', async () => {
    const recorded = ws.json(run, 'manifest.json').models.planner.digest;
    ws.fake.setModels([{ ...DEFAULT_FAKE_MODELS[0]!, digest: CHANGED }]);
    const sentBefore = chats().length;
    const refused = await ws.cli(['replay', '--run', run]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`the planner model qwen2\\.5-coder:7b has changed .*digest ${CHANGED}, the run recorded ${recorded}; .*--allow-model-change`));
    assert.equal(chats().length, sentBefore, 'nothing was sent');
    assert.equal(lastAudit().outcome, 'error');

    ws.fake.enqueueReply({ content: PLAN_REPLY }, { content: T001_REPLY });
    const allowed = await ws.cli(['replay', '--run', run, '--allow-model-change']);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stderr, /warning: planner model qwen2\.5-coder:7b changed/);
    const audit = lastAudit();
    assert.equal(audit.args.allow_model_change, true);
    assert.match(audit.warnings.join('\n'), new RegExp(`changed: the server has digest ${CHANGED}`));
    const report = ws.json(run, audit.artifacts[0].path);
    assert.equal(report.models.planner.current_digest, CHANGED);
  });

  test('plan and run-task refuse a changed model too, unless --allow-model-change', async () => {
    const other = await ws.init();
    ws.fake.setModels([{ ...DEFAULT_FAKE_MODELS[0]!, digest: CHANGED }]);
    const refused = await ws.cli(['plan', '--run', other]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has changed since the run was made.*--allow-model-change/);
    assert.equal(existsSync(path.join(ws.root, 'runs', other, 'plan')), false, 'a refused call writes nothing');

    ws.fake.enqueueReply({ content: PLAN_REPLY });
    const allowed = await ws.cli(['plan', '--run', other, '--allow-model-change']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const audit = JSON.parse(lines(ws.read(other, 'audit.log')).at(-1)!);
    assert.equal(audit.args.allow_model_change, true);
    assert.match(audit.warnings[0], /planner model qwen2\.5-coder:7b changed/);

    await must(ws.cli(['approve-plan', '--run', other]), 'approve-plan');
    const task = await ws.cli(['run-task', '--run', other, '--task', 'T001']);
    assert.equal(task.code, 1);
    assert.match(task.stderr, /executor model qwen2\.5-coder:7b has changed/);
  });
});

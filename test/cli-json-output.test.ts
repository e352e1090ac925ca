/**
 * Every command's `--json` output, through the built CLI, parsed with the schema that defines it
 * (src/schema/json-output.ts): strict objects, so a key that is not in the schema fails as surely
 * as one that is missing; every key snake_case; failures too. docs/json-schema.json is generated
 * from the same schemas and must be current.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commandOutput, jsonOutputSchema, UsageErrorOutput, type JsonCommand } from '../src/schema/json-envelope.js';
import { CheckPatchReport } from '../src/schema/json-output.js';
import type { CliResult } from './support/cli.js';
import { lines, must } from './support/complete-run.js';
import { MODEL, T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');

/** Every key of every object in `value`, with where it is. */
function keys(value: unknown, at = '$'): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, i) => keys(item, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [[key, at] as [string, string], ...keys(item, `${at}.${key}`)]);
}

function assertSnake(value: unknown): void {
  const bad = keys(value).filter(([key]) => !SNAKE.test(key));
  assert.deepEqual(bad, [], 'every key is snake_case');
}

/** The one line of stdout, parsed with the command's schema; its exit code is the process's. */
function parsed(command: JsonCommand, result: CliResult): any {
  const out = lines(result.stdout);
  assert.equal(out.length, 1, `one line of JSON on stdout, got:\n${result.stdout}${result.stderr}`);
  const value = JSON.parse(out[0]!);
  const check = commandOutput(command).safeParse(value);
  assert.ok(check.success, `${command} --json does not match its schema: ${JSON.stringify(check.error?.issues.slice(0, 3))}\n${out[0]!.slice(0, 2000)}`);
  assert.equal(value.exit_code, result.code);
  assert.equal(value.ok, result.code === 0);
  assertSnake(value);
  return value;
}

describe('--json: every command, checked against its schema', () => {
  let ws: Workspace;
  let run: string;
  /** Runs a command with --json, checks the exit code and the output's shape, returns the output. */
  const json = async (args: string[], code = 0): Promise<any> => {
    const result = await ws.cli([...args, '--json']);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    const value = parsed(args[0] as JsonCommand, result);
    if (code !== 0) {
      assert.ok(value.error, 'a failure says why');
      assert.match(result.stderr, new RegExp(`^error: ${value.error.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'), 'the same line on stderr');
    }
    return value;
  };
  const exists = (rel: string): boolean => existsSync(path.join(ws.root, 'runs', run, rel));

  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('init', async () => {
    const init = await json(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--check', 'true']);
    run = init.result.run_id;
    assert.deepEqual(init.result, { run_id: run, run_dir: `runs/${run}`, from: null });
    const missing = await json(['init', '--spec', 'nope.md', '--planner-model', MODEL, '--executor-model', MODEL], 1);
    assert.equal(missing.result, null);
  });

  test('plan: a reply that is no plan fails returning what it recorded; a plan names only the files written', async () => {
    ws.fake.enqueueReply({ content: 'Sure! Here is the plan: first...' });
    const invalid = await json(['plan', '--run', run], 1);
    assert.match(invalid.error, /not a valid plan/);
    assert.equal(invalid.result.revision, 1);
    assert.equal(invalid.result.valid, false);
    assert.equal(invalid.result.plan, null);
    assert.equal(invalid.result.plan_sha256, null);
    assert.ok(invalid.error.includes(invalid.result.errors[0]), 'the first error is the one the error line names');
    assert.deepEqual(Object.keys(invalid.result.files).sort(), ['raw', 'request', 'response'], 'no plan, task files or view for a reply that is no plan');
    assert.equal(readFileSync(path.join(ws.root, 'runs', run, invalid.result.files.raw), 'utf8'), 'Sure! Here is the plan: first...');
    for (const file of Object.values<string>(invalid.result.files)) assert.ok(exists(file), file);

    // revise-plan likewise, on a run of its own (this one's revisions are counted on below).
    const other = (await json(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL])).result.run_id;
    ws.fake.enqueueReply({ content: 'no plan' });
    await json(['plan', '--run', other], 1);
    ws.fake.enqueueReply({ content: JSON.stringify({ summary: 'No tasks.', milestones: [] }) });
    const revised = await json(['revise-plan', '--run', other, '--feedback', 'JSON, as the schema says'], 1);
    assert.equal(revised.result.run_id, other);
    assert.equal(revised.result.revision, 2);
    assert.equal(revised.result.valid, false);
    assert.ok(revised.result.errors.length > 0);
    assert.equal(revised.result.run_dir, `runs/${other}`);
    assert.deepEqual(Object.keys(revised.result.files).sort(), ['raw', 'request', 'response']);

    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const plan = await json(['revise-plan', '--run', run, '--feedback', 'a plan, please']);
    assert.equal(plan.result.revision, 2);
    assert.equal(plan.result.valid, true);
    assert.deepEqual(plan.result.errors, []);
    assert.match(plan.result.plan_sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(plan.result.file_warnings, []);
    assert.deepEqual(Object.keys(plan.result.files).sort(), ['markdown', 'plan', 'raw', 'request', 'response'], 'no thinking (the model gave none), no approval yet');
    for (const file of Object.values<string>(plan.result.files)) assert.ok(exists(file), file);
  });

  test('reject-plan, edit-plan, approve-plan', async () => {
    const rejected = await json(['reject-plan', '--run', run, '--reason', 'write it by hand', '--by', 'Reviewer']);
    assert.equal(rejected.result.decision, 'rejected');
    writeFileSync(path.join(ws.root, 'mine.json'), JSON.stringify({ ...twoTaskPlan(), summary: 'Written by hand.' }));
    const edited = await json(['edit-plan', '--run', run, '--file', 'mine.json', '--by', 'Reviewer']);
    assert.equal(edited.result.revision, 3);
    assert.equal(edited.result.files.request, undefined, 'no model was asked, so no request was written');
    for (const file of Object.values<string>(edited.result.files)) assert.ok(exists(file), file);
    const approved = await json(['approve-plan', '--run', run, '--by', 'Reviewer']);
    assert.equal(approved.result.subject.plan_revision, 3);
    assert.equal(approved.result.carry_over.plan_revision, 3);
  });

  test('add-context, list-context, remove-context', async () => {
    const added = await json(['add-context', '--run', run, '--file', 'src/app.js', '--file', 'secret/notes.txt']);
    assert.deepEqual(added.result.added.map((entry: { path: string }) => entry.path), ['src/app.js', 'secret/notes.txt']);
    assert.deepEqual((await json(['list-context', '--run', run])).result.allowlisted.map((entry: { path: string }) => entry.path), ['secret/notes.txt', 'src/app.js']);
    const removed = await json(['remove-context', '--run', run, '--file', 'secret/notes.txt']);
    assert.deepEqual(removed.result.removed, ['secret/notes.txt']);
    await json(['remove-context', '--run', run, '--file', 'secret/notes.txt'], 1);
  });

  test('show: the plan, and a task not run yet', async () => {
    const plan = await json(['show', '--run', run]);
    assert.equal(plan.result.kind, 'plan');
    assert.equal(plan.result.tasks[0].carried_over, null);
    const task = await json(['show', '--run', run, '--task', 'T001']);
    assert.equal(task.result.kind, 'task');
    assert.deepEqual(task.result.next, [{ command: 'run-task', args: ['--run', run, '--task', 'T001'], shell: `llm-orchestrator run-task --run ${run} --task T001` }]);
  });

  test('run-task: a patch that does not validate still returns the attempt it recorded', async () => {
    ws.fake.enqueueReply({ content: 'I cannot do that.' });
    const failed = await json(['run-task', '--run', run, '--task', 'T001'], 1);
    const attempt = failed.result;
    assert.equal(attempt.kind, 'attempt');
    assert.equal(attempt.attempt, 1);
    assert.equal(attempt.valid, false);
    assert.equal(attempt.reason, attempt.response.validation.errors[0]);
    assert.ok(failed.error.includes(attempt.reason), 'the error says the same reason');
    assert.equal(attempt.response.raw, 'I cannot do that.');
    assert.deepEqual(Object.keys(attempt.files).sort(), ['markdown', 'raw_patch', 'request', 'response'], 'no patch was written, so none is named');
    for (const file of Object.values<string>(attempt.files)) assert.ok(exists(file), file);
    assert.ok(!exists(attempt.files.raw_patch.replace('patch.raw.diff', 'patch.diff')));
  });

  test('run-task: a patch that validates; --checks-only', async () => {
    ws.fake.enqueueReply({ content: T001_REPLY });
    const ok = await json(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(ok.result.valid, true);
    assert.equal(ok.result.reason, null);
    assert.deepEqual(ok.result.response.normalization.files, [{ old_path: 'src/app.js', new_path: 'src/app.js', kind: 'modify' }]);
    assert.ok(ok.result.files.patch && ok.result.files.patch_markdown);
    for (const file of Object.values<string>(ok.result.files)) assert.ok(exists(file), file);
    assert.equal(ok.result.response.checks[0].command, 'true');
    const recheck = await json(['run-task', '--run', run, '--task', 'T001', '--checks-only']);
    assert.equal(recheck.result.kind, 'recheck');
    assert.equal(recheck.result.checks[0].passed, true);
  });

  test('show: a patch', async () => {
    const shown = await json(['show', '--run', run, '--task', 'T001']);
    assert.equal(shown.result.kind, 'patch');
    assert.match(shown.result.patch, /^diff --git/);
  });

  test('reject-task, approve-task', async () => {
    const rejected = await json(['reject-task', '--run', run, '--task', 'T001', '--reason', 'again', '--by', 'Reviewer']);
    assert.equal(rejected.result.subject.task, 'T001');
    ws.fake.enqueueReply({ content: T001_REPLY });
    await json(['run-task', '--run', run, '--task', 'T001', '--feedback', 'same again']);
    const approved = await json(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']);
    assert.equal(approved.result.subject.attempt, 3);
    await json(['approve-task', '--run', run, '--task', 'T001'], 1);
  });

  test('status: next as {command, args, shell}, the same commands as the text; applied per task', async () => {
    ws.fake.enqueueReply({ content: T002_DIFF });
    await json(['run-task', '--run', run, '--task', 'T002']);
    const status = await json(['status', '--run', run]);
    const text = lines((await must(ws.cli(['status', '--run', run]), 'status')).stdout).filter((line) => line.startsWith('next: '));
    assert.deepEqual(status.result.next.map((step: { shell: string }) => `next: ${step.shell}`), text);
    assert.deepEqual(status.result.next[1], { command: 'reject-task', args: ['--run', run, '--task', 'T002', '--reason', '...'], shell: `llm-orchestrator reject-task --run ${run} --task T002 --reason "..."` });
    assert.deepEqual(status.result.tasks.map((task: { applied: boolean }) => task.applied), [false, false]);

    await json(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']);
    const applied = await json(['apply-task', '--run', run, '--task', 'T001']);
    assert.deepEqual(applied.result.files, [{ old_path: 'src/app.js', new_path: 'src/app.js', kind: 'modify' }]);
    assert.equal(applied.result.commit, null);
    const after = await json(['status', '--run', run]);
    assert.deepEqual(after.result.tasks.map((task: { id: string; applied: boolean }) => [task.id, task.applied]), [['T001', true], ['T002', false]]);
    assert.deepEqual(after.result.next, [{ command: 'apply-task', args: ['--run', run, '--task', 'T002'], shell: `llm-orchestrator apply-task --run ${run} --task T002` }]);
    await json(['apply-task', '--run', run, '--task', 'T001'], 1);
  });

  test('undo-task: the record, the reversed files, and status saying undone; applied again after', async () => {
    const undone = await json(['undo-task', '--run', run, '--task', 'T001']);
    assert.equal(undone.result.mode, 'working-tree');
    assert.equal(undone.result.changed, true);
    assert.equal(undone.result.revert_commit, null);
    assert.ok(exists(undone.result.record), undone.result.record);
    const status = await json(['status', '--run', run]);
    assert.deepEqual(status.result.tasks.map((task: { id: string; applied: boolean; application: string | null }) => [task.id, task.applied, task.application]), [['T001', false, 'undone'], ['T002', false, null]]);
    await json(['undo-task', '--run', run, '--task', 'T001'], 1);
    const again = await json(['apply-task', '--run', run, '--task', 'T001']);
    assert.equal(again.result.task, 'T001');
  });

  test('runs', async () => {
    const runs = await json(['runs']);
    assert.equal(runs.result.runs.length, 2, 'this run, and the one whose revise-plan failed');
    assert.equal(runs.result.runs.find((item: { run_id: string }) => item.run_id === run).next.command, 'apply-task');
  });

  test('verify: the audit head in data; --head; a tampered copy fails and says why', async () => {
    const verify = await json(['verify', '--run', run]);
    const chain = verify.result.checks.find((check: { id: string }) => check.id === 'hash_chain');
    assert.equal(chain.data.head, verify.result.head);
    assert.equal(chain.data.subject, 'audit.log');
    const anchored = await json(['verify', '--run', run, '--head', verify.result.head.slice(0, 12)]);
    assert.deepEqual(anchored.result.checks.find((check: { id: string }) => check.id === 'anchored_head').data.head, verify.result.head.slice(0, 12));

    const copy = path.join(ws.root, 'copy');
    cpSync(path.join(ws.root, 'runs', run), path.join(copy, run), { recursive: true });
    writeFileSync(path.join(copy, run, 'spec.md'), 'changed\n');
    const tampered = await json(['verify', '--runs-dir', 'copy', '--run', run], 1);
    assert.match(tampered.error, /^verify: \d+ of \d+ check\(s\) failed: spec\.md: /);
    const changed = tampered.result.checks.find((check: { level: string; data: { subject: string } }) => check.level === 'fail' && check.data.subject === 'spec.md');
    assert.match(changed.data.sha256, /^[0-9a-f]{64}$/);
  });

  test('doctor: models and digests in data; a failing doctor says why', async () => {
    const doctor = await json(['doctor', '--run', run]);
    const models = doctor.result.checks.find((check: { id: string }) => check.id === 'models');
    assert.deepEqual(models.data.models.map((model: { name: string }) => model.name), ['qwen2.5-coder:7b', 'qwen3:8b']);
    const planner = doctor.result.checks.find((check: { id: string }) => check.id === 'planner_model');
    assert.equal(planner.data.digest, planner.data.recorded_digest);
    ws.fake.setModels([]);
    try {
      const failing = await json(['doctor', '--run', run], 1);
      assert.match(failing.error, /^doctor: 1 of \d+ check\(s\) failed: planner model qwen2\.5-coder:7b is not on the server/);
      assert.equal(failing.result.checks.find((check: { id: string }) => check.id === 'planner_model').data.present, false);
    } finally {
      ws.fake.setModels([{ name: MODEL, family: 'qwen2', parameter_size: '7.6B', quantization_level: 'Q4_K_M', context_length: 32768, capabilities: ['completion', 'tools', 'insert'] }, { name: 'qwen3:8b', family: 'qwen3', parameter_size: '8.2B', quantization_level: 'Q4_K_M', context_length: 40960, capabilities: ['completion', 'tools', 'thinking'] }]);
    }
  });

  test('replay: calls that get no reply fail, and say so', async () => {
    const replay = await json(['replay', '--run', run, '--task', 'T002'], 1);
    assert.equal(replay.result.report.summary.failed, 1);
    assert.match(replay.error, /^replay: 1 of 1 call\(s\) did not get the recorded reply/);
  });

  test('export and report', async () => {
    const exported = await json(['export', '--run', run, '--out', 'run.tar.gz']);
    assert.ok(exported.result.file_count > 10);
    const written = await json(['report', '--run', run, '--out', 'report.html']);
    assert.equal(written.result.html, null);
    const inline = await json(['report', '--run', run]);
    assert.match(inline.result.html, /^<!DOCTYPE html>/i);
    assert.equal(inline.result.out, null);
  });

  test('check-patch: a patch that validates, one refused, and the --report file', async () => {
    writeFileSync(path.join(ws.root, 'reply.txt'), T001_REPLY);
    const ok = await json(['check-patch', 'reply.txt', '--report', 'report.json']);
    assert.equal(ok.result.ok, true);
    assert.deepEqual(ok.result.files, [{ old_path: 'src/app.js', new_path: 'src/app.js', kind: 'modify' }]);
    const report = JSON.parse(readFileSync(path.join(ws.root, 'report.json'), 'utf8'));
    assert.ok(CheckPatchReport.safeParse(report).success, JSON.stringify(report));
    assertSnake(report);
    writeFileSync(path.join(ws.root, 'prose.txt'), 'no diff here');
    const refused = await json(['check-patch', 'prose.txt'], 1);
    assert.equal(refused.result.diff, null);
    assert.equal(refused.result.format, 'diff');
    assert.equal(refused.result.conversion, null);
    // A whole-file reply: the conversion as run-task records it, every key present.
    const app = readFileSync(path.join(ws.root, 'src/app.js'), 'utf8');
    writeFileSync(path.join(ws.root, 'whole.txt'), `src/app.js\n\`\`\`js\n${app.replace('Hello', 'Hi')}\`\`\`\n`);
    const whole = await json(['check-patch', '--format', 'whole', 'whole.txt']);
    assert.equal(whole.result.format, 'whole');
    assert.deepEqual([whole.result.conversion.ok, whole.result.conversion.reason, whole.result.conversion.files], [true, null, ['src/app.js']]);
    assert.match(whole.result.diff, /^\+.*Hi/m);
  });

  test('init --from', async () => {
    const from = await json(['init', '--from', run]);
    assert.equal(from.result.from, run);
  });

  test('usage errors: no result, exit 2', async () => {
    for (const args of [['status'], ['statu'], ['run-task', '--run', 'x']]) {
      const result = await ws.cli([...args, '--json']);
      assert.equal(result.code, 2);
      const value = JSON.parse(result.stdout);
      assert.ok(UsageErrorOutput.safeParse(value).success, result.stdout);
      assertSnake(value);
    }
  });
});

describe('the JSON Schema of --json', () => {
  test('docs/json-schema.json is the one the schemas make (regenerate: npm run json-schema)', () => {
    const current = `${JSON.stringify(jsonOutputSchema(), null, 2)}\n`;
    assert.equal(readFileSync(path.join(DOCS, 'json-schema.json'), 'utf8'), current);
  });

  test('every property it defines is snake_case', () => {
    const names: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties') names.push(...Object.keys(value as object));
        walk(value);
      }
    };
    walk(jsonOutputSchema());
    assert.ok(names.includes('exit_code') && names.includes('plan_sha256'));
    assert.deepEqual(names.filter((name) => !SNAKE.test(name)), []);
  });
});

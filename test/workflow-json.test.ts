/**
 * `--json` on every command: one JSON object on stdout, the same exit codes; and the progress line
 * during a model call, on a terminal only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CLI, type CliResult } from './support/cli.js';
import { must } from './support/complete-run.js';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { MODEL, T001_REPLY, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

interface Outcome {
  ok: boolean;
  command: string | null;
  exit_code: number;
  result: any;
  error: string | null;
  warnings: string[];
}

/** Exactly one JSON object on stdout, whose exit_code is the process's. */
function outcome(result: CliResult): Outcome {
  const lines = result.stdout.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `one line of JSON on stdout, got:\n${result.stdout}`);
  const value = JSON.parse(lines[0]!) as Outcome;
  assert.deepEqual(Object.keys(value), ['ok', 'command', 'exit_code', 'result', 'error', 'warnings']);
  assert.equal(value.exit_code, result.code);
  assert.equal(value.ok, result.code === 0);
  return value;
}

describe('--json on every command', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('a whole run, each command answering with one object', async () => {
    const json = async (args: string[], code = 0): Promise<Outcome> => {
      const result = await ws.cli([...args, '--json']);
      assert.equal(result.code, code, `${args[0]}: ${result.stderr}`);
      const value = outcome(result);
      assert.equal(value.command, args[0]);
      return value;
    };
    const init = await json(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL]);
    const run = init.result.run_id as string;
    assert.match(run, /^\d{4}-\d{2}-\d{2}_\d{6}_spec$/);

    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const plan = await json(['plan', '--run', run]);
    assert.equal(plan.result.revision, 1);
    assert.deepEqual(plan.result.plan, twoTaskPlan());

    const approval = await json(['approve-plan', '--run', run, '--by', 'Reviewer']);
    assert.equal(approval.result.decision, 'approved');
    assert.equal(approval.result.by, 'Reviewer');

    const added = await json(['add-context', '--run', run, '--file', 'src/app.js']);
    assert.equal(added.result.added[0].path, 'src/app.js');
    assert.match(added.result.added[0].sha256, /^[0-9a-f]{64}$/);
    assert.match(added.result.allowlist_sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual((await json(['list-context', '--run', run])).result.allowlisted.map((e: { path: string }) => e.path), ['src/app.js']);

    ws.fake.enqueueReply({ content: T001_REPLY });
    const task = await json(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(task.result.task, 'T001');
    assert.equal(task.result.response.validation.ok, true);
    assert.ok(task.result.response.normalization.fixes.length > 0);

    const shown = await json(['show', '--run', run, '--task', 'T001']);
    assert.match(shown.result.patch, /^diff --git a\/src\/app\.js/);

    const approved = await json(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']);
    assert.equal(approved.result.subject.task, 'T001');

    const status = await json(['status', '--run', run]);
    assert.equal(status.result.tasks.find((t: { id: string }) => t.id === 'T001').state, 'approved');
    assert.ok(status.result.next.length > 0, 'status names the next command');

    const runs = await json(['runs']);
    assert.deepEqual(runs.result.runs.map((r: { run_id: string }) => r.run_id), [run]);

    const verify = await json(['verify', '--run', run]);
    assert.ok(verify.result.checks.length > 0 && verify.result.checks.every((c: { level: string }) => c.level === 'ok'));
    const doctor = await json(['doctor', '--run', run]);
    assert.ok(doctor.result.checks.length > 0);
  });

  test('failures: exit 1 with the one-line error in the object; usage errors exit 2', async () => {
    const missing = await ws.cli(['status', '--run', 'no-such-run', '--json']);
    const failed = outcome(missing);
    assert.equal(failed.exit_code, 1);
    assert.equal(failed.result, null);
    assert.match(failed.error!, /run no-such-run not found/);
    assert.match(missing.stderr, /^error: run no-such-run not found/, 'stderr keeps its line for people');

    const usage = outcome(await ws.cli(['status', '--json']));
    assert.equal(usage.exit_code, 2);
    assert.equal(usage.command, 'status');
    assert.match(usage.error!, /--run/);

    const unknown = outcome(await ws.cli(['statu', '--json']));
    assert.equal(unknown.exit_code, 2);
    assert.match(unknown.error!, /unknown command 'statu'.*status/);
  });
});

/** Runs the CLI under a pseudo-terminal (util-linux `script`), so stderr is a TTY; async, as the fake server lives in this process. */
async function onTerminal(args: string[], cwd: string, baseUrl: string): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: { ...process.env, OLLAMA_HOST: baseUrl, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `${args[0]} on a terminal: ${output}`);
  return output;
}

describe('the progress line during a model call', () => {
  let ws: Workspace;
  let slow: FakeOllama;
  before(async () => {
    ws = await workspace();
    slow = await startFakeOllama({ chunkDelayMs: 15 });
  });
  after(async () => {
    await slow.close();
    await ws.close();
  });

  test('on a terminal: model, elapsed time, tokens and tokens/s on one redrawn line; never in a pipe or with --quiet', async () => {
    const run = await ws.init(['--base-url', slow.url]);
    const plan = JSON.stringify(twoTaskPlan());
    slow.enqueueReply({ content: plan });
    const shown = await onTerminal(['plan', '--run', run], ws.root, slow.url);
    const frames = shown.split('\r\u001b[2K').slice(1).filter((frame) => frame.startsWith(MODEL));
    assert.ok(frames.length >= 2, `the line was redrawn as tokens arrived:\n${JSON.stringify(shown.slice(0, 400))}`);
    assert.match(frames[0]!, new RegExp(`^${MODEL.replace(/\./g, '\\.')} {2}\\d+\\.\\d s {2}\\d+ tokens {2}\\d+\\.\\d tokens/s`));
    assert.match(shown, /plan revision 1/);

    // In a pipe (the test harness) and with --quiet on a terminal: no progress at all.
    await must(ws.cli(['reject-plan', '--run', run, '--reason', 'again']), 'reject-plan');
    slow.enqueueReply({ content: plan });
    const piped = await ws.cli(['revise-plan', '--run', run, '--feedback', 'same again']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr + piped.stdout, /tokens\/s|waiting for|\u001b\[2K/);
    await must(ws.cli(['reject-plan', '--run', run, '--reason', 'again']), 'reject-plan');
    slow.enqueueReply({ content: plan });
    const quiet = await onTerminal(['revise-plan', '--run', run, '--feedback', 'same again', '--quiet'], ws.root, slow.url);
    assert.doesNotMatch(quiet, /tokens\/s|waiting for/);
    assert.match(quiet, /plan revision 3/);
  });

  test('while the server is silent (loading the model, reading the prompt) the line counts the wait; the rate counts from the first token', async () => {
    const run = await ws.init(['--base-url', slow.url]);
    slow.enqueueReply({ content: JSON.stringify(twoTaskPlan()), loadMs: 1500 });
    const shown = await onTerminal(['plan', '--run', run], ws.root, slow.url);
    const frames = shown.split('\r\u001b[2K').slice(1).map((frame) => frame.replace(/\r?\n[\s\S]*$/, ''));
    const waiting = frames.map((frame) => /^waiting for qwen2\.5-coder:7b… (\d+\.\d) s$/.exec(frame)).filter((match) => match !== null);
    const seconds = waiting.map((match) => Number(match[1]));
    assert.ok(seconds.length >= 5 && seconds.at(-1)! >= 1, `the wait was shown and redrawn as it went on:\n${JSON.stringify(frames.slice(0, 20))}`);
    assert.deepEqual(seconds, [...seconds].sort((a, b) => a - b), 'the time only goes up');
    const streaming = frames.map((frame) => /^qwen2\.5-coder:7b {2}(\d+\.\d) s {2}(\d+) tokens {2}(\d+\.\d) tokens\/s$/.exec(frame)).filter((match) => match !== null);
    assert.ok(streaming.length >= 2, JSON.stringify(frames.slice(-10)));
    assert.ok(frames.indexOf(streaming[0]![0]) > frames.indexOf(waiting.at(-1)![0]), 'tokens after the wait');
    // Counted from the request, the 1.5 s of silence would pull the rate below (tokens - 1) / (elapsed - 1 s).
    const [, elapsed, tokens, rate] = streaming.at(-1)!.map(Number) as [number, number, number, number];
    assert.ok(rate >= (tokens - 1) / (elapsed - 1), `${rate} tokens/s for ${tokens} tokens in ${elapsed} s`);
    assert.match(shown, /plan revision 1/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lines, must } from './support/complete-run.js';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { MODEL, T001_REPLY, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/**
 * A run's model server moved: every command that calls it takes --base-url, sends there, and
 * records where it sent; without it, the server-down error names that same command with the flag.
 * Moving cannot widen the run's loopback rule.
 */
describe('--base-url: a run whose model server moved', () => {
  let ws: Workspace;
  let moved: FakeOllama;
  let run: string;
  let gone: string;
  const audit = (): any[] => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  const chats = (fake: FakeOllama) => fake.requests.filter((request) => request.path === '/api/chat');

  /** One line on stderr: what is wrong, then this very command with --base-url. */
  function assertMovedAdvice(result: { code: number; stderr: string }, again: string): void {
    assert.equal(result.code, 1, result.stderr);
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot reach the model server at ${gone.replace(/[.]/g, '\\.')}`));
    assert.ok(result.stderr.includes(`or if it moved: \`llm-orchestrator ${again} --base-url URL\``), result.stderr);
  }

  before(async () => {
    ws = await workspace();
    moved = await startFakeOllama();
    // The run is made against a server that then goes away.
    const first = await startFakeOllama();
    gone = first.url;
    const init = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--base-url', gone]);
    assert.equal(init.code, 0, init.stderr);
    run = init.stdout.trim();
    await first.close();
  });
  after(async () => {
    await moved.close();
    await ws.close();
  });

  test('plan and revise-plan: the error names the command with --base-url; with it, the call reaches the new server and is recorded there', async () => {
    assertMovedAdvice(await ws.cli(['plan', '--run', run]), `plan --run ${run}`);
    assert.equal(audit().at(-1).outcome, 'error');

    moved.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run, '--base-url', moved.url]), 'plan --base-url');
    assert.equal(chats(moved).length, 1);
    assert.equal(chats(moved)[0]!.body, ws.read(run, 'plan/plan.request.json'));
    assert.equal(ws.json(run, 'plan/plan.response.json').base_url, moved.url);
    assert.equal(audit().at(-1).args.base_url, moved.url);
    assert.equal(ws.json(run, 'manifest.json').base_url, gone, 'the manifest keeps what init recorded');

    assertMovedAdvice(await ws.cli(['revise-plan', '--run', run, '--feedback', 'split T002']), `revise-plan --run ${run} --feedback 'split T002'`);
  });

  test('run-task: the same, and the URL is read like init reads it (host:port)', async () => {
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--task', 'T001']), 'add-context --task');
    assertMovedAdvice(await ws.cli(['run-task', '--run', run, '--task', 'T001']), `run-task --run ${run} --task T001`);

    // Moving cannot widen the loopback rule: a server on another machine needs init --allow-remote.
    const sent = moved.requests.length;
    const remote = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--base-url', 'http://192.0.2.7:11434']);
    assert.equal(remote.code, 2, remote.stderr);
    assert.equal(lines(remote.stderr).length, 1, remote.stderr);
    assert.match(remote.stderr, /192\.0\.2\.7:11434 is not on this machine \(loopback\).*init --allow-remote/);
    assert.equal(moved.requests.length, sent, 'nothing was sent');

    moved.enqueueReply({ content: T001_REPLY });
    const hostPort = moved.url.replace(/^http:\/\//, '');
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001', '--base-url', hostPort]), 'run-task --base-url host:port');
    assert.equal(chats(moved).at(-1)!.body, ws.read(run, 'executions/T001/exec.request.json'));
    assert.equal(ws.json(run, 'executions/T001/exec.response.json').base_url, moved.url);
    assert.equal(audit().at(-1).args.base_url, moved.url);
  });

  test('a malformed URL is a usage error, before anything is recorded', async () => {
    const before = audit().length;
    const malformed = await ws.cli(['replay', '--run', run, '--base-url', 'http://a b']);
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.match(malformed.stderr, /--base-url 'http:\/\/a b' is not a usable server address/);
    assert.equal(audit().length, before);
  });

  test('replay and doctor: the same', async () => {
    const replayed = await ws.cli(['replay', '--run', run]);
    assertMovedAdvice(replayed, `replay --run ${run}`);
    moved.enqueueReply({ content: JSON.stringify(twoTaskPlan()) }, { content: T001_REPLY });
    await must(ws.cli(['replay', '--run', run, '--base-url', moved.url]), 'replay --base-url');
    assert.equal(audit().at(-1).args.base_url, moved.url);

    const down = await ws.cli(['doctor', '--run', run]);
    assert.equal(down.code, 1);
    assert.ok(down.stdout.includes(`or if it moved: \`llm-orchestrator doctor --run ${run} --base-url URL\``), down.stdout);
    const up = await must(ws.cli(['doctor', '--run', run, '--base-url', moved.url]), 'doctor --base-url');
    assert.ok(up.stdout.includes(`model server reachable at ${moved.url}`), up.stdout);
    assert.equal(audit().at(-1).args.base_url, moved.url);
  });

  test('verify accepts the run', async () => {
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, runCli } from './support/cli.js';
import { MODEL, task, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One line, no stack trace: what users see when something is wrong. */
function assertOneLineError(result: { code: number; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

describe('bad input from a person', () => {
  let ws: Workspace;
  let run: string;
  before(async () => {
    ws = await workspace();
    run = await ws.init();
  });
  after(() => ws.close());

  test('usage errors exit 2; help exits 0', async () => {
    assertOneLineError(await ws.cli(['init', '--spec', 'spec.md']), 2, /required option/);
    assertOneLineError(await ws.cli(['plam', '--run', run]), 2, /Did you mean plan\?/);
    assertOneLineError(await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--provider', 'nope']), 2, /provider/);
    // A mistyped required option is named as the typo, with the option meant, not as a missing option.
    const typo = await ws.cli(['status', '--rnu', run]);
    assertOneLineError(typo, 2, /^error: unknown option '--rnu'\n\(Did you mean --run\?\)/);
    assert.doesNotMatch(typo.stderr, /required option/);
    assertOneLineError(await ws.cli(['approve-task', '--run', run, '--taks', 'T001']), 2, /^error: unknown option '--taks'\n\(Did you mean --task\?\)/);
    // A value that looks like an option is still the value of the option before it.
    assertOneLineError(await ws.cli(['reject-plan', '--reason', '--rnu', '--run', 'no-such-run']), 1, /run no-such-run not found/);
    // -q/--quiet silences the progress line, so only commands that call a model have it.
    for (const args of [['status', '--run', run], ['verify', '--run', run], ['doctor'], ['approve-plan', '--run', run]]) {
      assertOneLineError(await ws.cli([...args, '--quiet']), 2, /^error: unknown option '--quiet'/);
      assertOneLineError(await ws.cli([...args, '-q']), 2, /^error: unknown option '-q'/);
    }
    for (const name of ['plan', 'revise-plan', 'run-task', 'replay']) assert.match((await ws.cli([name, '--help'])).stdout, /^ {2}-q, --quiet /m, name);
    const help = await ws.cli(['run-task', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Example:/);
  });

  test('a missing spec, a folder that is not a repository, an unknown run', async () => {
    assertOneLineError(await ws.cli(['init', '--spec', 'nope.md', '--planner-model', MODEL, '--executor-model', MODEL]), 1, /spec file .* not found/);
    const outside = path.join(tmpdir(), `not-a-repo-${process.pid}`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'spec.md'), '# x\n');
    const notRepo = await runCli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL], { cwd: outside, env: { OLLAMA_HOST: ws.fake.url } });
    assertOneLineError(notRepo, 1, /not inside a git repository/);
    rmSync(outside, { recursive: true, force: true });
    assertOneLineError(await ws.cli(['status', '--run', 'no-such-run']), 1, /run no-such-run not found/);
    assertOneLineError(await ws.cli(['status', '--run', '../escape']), 2, /not a run id/);
  });

  test('a model the server does not have, and a server that is down, create no run', async () => {
    const runsBefore = readdirSync(path.join(ws.root, 'runs')).length;
    assertOneLineError(await ws.cli(['init', '--spec', 'spec.md', '--planner-model', 'nope:1b', '--executor-model', MODEL]), 1, /^error: model 'nope:1b' not found on the server \(it has qwen2\.5-coder:7b, qwen3:8b\): run `ollama pull nope:1b`, or give a name the server has\n$/);
    assertOneLineError(
      await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--base-url', `http://127.0.0.1:${await closedPort()}`]),
      1,
      /cannot reach/,
    );
    assert.equal(readdirSync(path.join(ws.root, 'runs')).length, runsBefore);
  });

  test('a custom --pack is copied into the run; a broken one is refused clearly', async () => {
    const pack = path.join(ws.root, 'mypack');
    mkdirSync(pack);
    for (const name of readdirSync(path.join(CLI, '../../../packs/core'))) {
      writeFileSync(path.join(pack, name), readFileSync(path.join(CLI, '../../../packs/core', name)));
    }
    writeFileSync(path.join(pack, 'planner.system.txt'), 'Plan tersely.\n');
    const custom = await ws.init(['--pack', 'mypack']);
    assert.equal(ws.read(custom, 'pack/planner.system.txt'), 'Plan tersely.\n');
    writeFileSync(path.join(pack, 'manifest.json'), '{"schema_version": 1, "id": "x"}');
    assertOneLineError(await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--pack', 'mypack']), 1, /not a valid pack manifest/);
    rmSync(pack, { recursive: true });
  });

  test('add-context refuses paths outside the repository, in .git, missing, or folders', async () => {
    const outside = path.join(ws.root, '..', `outside-${process.pid}.txt`);
    writeFileSync(outside, 'x\n');
    assertOneLineError(await ws.cli(['add-context', '--run', run, '--file', `../outside-${process.pid}.txt`]), 1, /outside the repository/);
    rmSync(outside);
    assertOneLineError(await ws.cli(['add-context', '--run', run, '--file', '.git/config']), 1, /inside \.git/);
    assertOneLineError(await ws.cli(['add-context', '--run', run, '--file', 'src/missing.js']), 1, /does not exist/);
    assertOneLineError(await ws.cli(['add-context', '--run', run, '--file', 'src']), 1, /not a file/);
    writeFileSync(path.join(ws.root, 'untracked.txt'), 'new\n');
    assertOneLineError(await ws.cli(['add-context', '--run', run, '--file', 'untracked.txt']), 1, /not in the run's base commit/);
    const list = await ws.cli(['list-context', '--run', run]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /no repository file/);
  });
});

describe('bad replies and failing servers', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  const invalidPlans: Array<[string, string, RegExp]> = [
    ['not JSON', 'Sure! Here is the plan: first...', /not JSON/],
    ['a dependency on a later task', JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T001', 'a', ['a.js'], ['T002']), task('T002', 'b', ['b.js'], [])] }] }), /not an earlier task/],
    ['a duplicate id', JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T001', 'a', ['a.js'], []), task('T001', 'b', ['b.js'], [])] }] }), /used twice/],
    ['a path leaving the repository', JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T001', 'a', ['../etc/passwd'], [])] }] }), /\.\./],
    ['a bad task id', JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T1', 'a', ['a.js'], [])] }] }), /pattern/],
  ];
  for (const [name, content, pattern] of invalidPlans) {
    test(`a plan reply with ${name} is recorded and refused; no task file is written`, async () => {
      const run = await ws.init();
      ws.fake.enqueueReply({ content });
      assertOneLineError(await ws.cli(['plan', '--run', run]), 1, pattern);
      const response = ws.json(run, 'plan/plan.response.json');
      assert.equal(response.raw, content);
      assert.equal(response.validation.ok, false);
      assert.equal(existsSync(path.join(ws.root, 'runs', run, 'tasks')), false);
      ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
      const retry = await ws.cli(['plan', '--run', run]);
      assert.equal(retry.code, 0, retry.stderr);
      assert.ok(existsSync(path.join(ws.root, 'runs', run, 'tasks/rev-002/T001.task.json')));
    });
  }

  for (const fault of ['http500', 'error-in-stream', 'cut-short', 'malformed-json'] as const) {
    test(`a ${fault} from the server fails clearly and leaves the run unchanged`, async () => {
      const run = await ws.init();
      ws.fake.enqueueReply({ fault, content: '{"summary":' });
      const result = await ws.cli(['plan', '--run', run]);
      assertOneLineError(result, 1, /./);
      assert.equal(existsSync(path.join(ws.root, 'runs', run, 'plan')), false);
      ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
      assert.equal((await ws.cli(['plan', '--run', run])).code, 0, 'the same command simply works again');
      assert.ok(existsSync(path.join(ws.root, 'runs', run, 'tasks/T001.task.json')));
    });
  }

  test('revise-plan keeps the earlier plan; an approval does not carry over', async () => {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    assert.equal((await ws.cli(['plan', '--run', run])).code, 0);
    assert.equal((await ws.cli(['approve-plan', '--run', run])).code, 0);
    const firstPlan = ws.read(run, 'plan/plan.json');
    const revised = { ...twoTaskPlan(), summary: 'Revised.' };
    ws.fake.enqueueReply({ content: JSON.stringify(revised) });
    const result = await ws.cli(['revise-plan', '--run', run, '--feedback', 'make it shorter']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(ws.read(run, 'plan/plan.json'), firstPlan);
    assert.match(ws.read(run, 'plan/rev-002/plan.request.json'), /make it shorter/);
    const status = await ws.cli(['status', '--run', run]);
    assert.match(status.stdout, /plan-pending-approval/);
    assertOneLineError(await ws.cli(['run-task', '--run', run, '--task', 'T001']), 1, /not approved/);
    assert.equal((await ws.cli(['approve-plan', '--run', run])).code, 0);
    assert.equal(ws.json(run, 'plan/rev-002/plan.approval.json').subject.plan_revision, 2);
    assertOneLineError(await ws.cli(['revise-plan', '--run', run]), 2, /--feedback/);
  });

  test('two runs from the same spec and models send byte-identical planner requests', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await ws.init();
      ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
      assert.equal((await ws.cli(['plan', '--run', run])).code, 0);
      bodies.push(ws.read(run, 'plan/plan.request.json'));
    }
    assert.equal(bodies[0], bodies[1]);
    assert.doesNotMatch(bodies[0]!, new RegExp(ws.root.replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&')), 'no absolute path in the prompt');
  });
});

describe('a repository without a commit', () => {
  test('the base is the empty tree and a new-file patch validates', async () => {
    const ws = await workspace({});
    try {
      const run = await ws.init();
      assert.equal(ws.json(run, 'manifest.json').repository.base_kind, 'empty-tree');
      ws.fake.enqueueReply({ content: JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T001', 'Add hello', ['hello.txt'], [])] }] }) });
      assert.equal((await ws.cli(['plan', '--run', run])).code, 0);
      assert.equal((await ws.cli(['approve-plan', '--run', run])).code, 0);
      ws.fake.enqueueReply({ content: 'diff --git a/hello.txt b/hello.txt\nnew file mode 100644\n--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1 @@\n+hello\n' });
      const result = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal((await ws.cli(['approve-task', '--run', run, '--task', 'T001'])).code, 0);
    } finally {
      await ws.close();
    }
  });
});

describe('init in a repository that does not ignore runs/', () => {
  const ADVICE = /^warning: git does not ignore runs\/, so `git add -A` would commit the runs: add runs\/ to \.gitignore to keep them out, or commit them on purpose/m;
  const initArgs = ['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL];

  test('says so once, at the first run, as a warning (also under --json); never edits .gitignore', async () => {
    const ws = await workspace();
    try {
      const first = await ws.cli(initArgs);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stderr.match(new RegExp(ADVICE.source, 'gm'))?.length, 1, first.stderr);
      const second = await ws.cli([...initArgs, '--json']);
      assert.equal(JSON.parse(second.stdout).warnings.length, 0, 'not again at the second run');
      assert.doesNotMatch(second.stderr, ADVICE);
      assert.ok(!existsSync(path.join(ws.root, '.gitignore')), 'the tool wrote a .gitignore');
    } finally {
      await ws.close();
    }
  });

  test('nothing to say where runs/ is ignored', async () => {
    const ws = await workspace();
    try {
      writeFileSync(path.join(ws.root, '.gitignore'), 'runs/\n');
      const result = await ws.cli(initArgs);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /ignore/);
      assert.equal(readFileSync(path.join(ws.root, '.gitignore'), 'utf8'), 'runs/\n');
    } finally {
      await ws.close();
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { oneLineError } from './support/cli.js';
import { must } from './support/complete-run.js';
import { APP_JS, task, twoTaskPlan, verifies, workspace, packCopy, type Workspace } from './support/workflow-fixture.js';

/** The messages of the last chat request the fake server received, and its raw body. */
function lastChat(ws: Workspace): { body: string; messages: Array<{ role: string; content: string }> } {
  const sent = ws.fake.requests.filter((request) => request.path === '/api/chat').at(-1)!;
  return { body: sent.body, messages: JSON.parse(sent.body).messages };
}

/** The part of the planner's user message between "# Repository files" and the next heading. */
function fileSection(userMessage: string): string {
  const m = /\n# Repository files\n\n([\s\S]*?)\n\n# Output\n/.exec(userMessage);
  assert.ok(m, `no repository section in:\n${userMessage}`);
  return m[1]!;
}

const pack = packCopy;

const FILES = {
  'src/app.js': APP_JS,
  'secret/notes.txt': 'do not leak me\n',
  'README.md': '# app\n',
  'b.txt': 'b\n',
  'Z.txt': 'capital\n',
  'src/é.js': 'accent\n',
  'src/z.js': 'z\n',
  'line\nbreak.txt': 'odd name\n',
};

describe('the planner sees the files of the base commit, and nothing else of the repository', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace(FILES);
    // In the working tree only: not at the base commit, so not listed.
    writeFileSync(path.join(ws.root, 'untracked.txt'), 'not committed\n');
  });
  after(() => ws.close());

  test('plan sends every path at the base, sorted by bytes, odd names quoted; no content; byte-identical for the same inputs', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await ws.init();
      ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
      await must(ws.cli(['plan', '--run', run]), 'plan');
      const { body, messages } = lastChat(ws);
      assert.equal(body, ws.read(run, 'plan/plan.request.json'));
      bodies.push(body);
      assert.deepEqual(fileSection(messages[1]!.content).split('\n'), ['README.md', 'Z.txt', 'b.txt', '"line\\nbreak.txt"', 'secret/notes.txt', 'src/app.js', 'src/z.js', 'src/é.js']);
      assert.doesNotMatch(body, /do not leak me|untracked\.txt|not committed|odd name/);
      await verifies(ws, run);
    }
    assert.equal(bodies[0], bodies[1]);
  });

  test('revise-plan sends the same list', async () => {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    const planned = fileSection(lastChat(ws).messages[1]!.content);
    ws.fake.enqueueReply({ content: JSON.stringify({ ...twoTaskPlan(), summary: 'Shorter.' }) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'shorter']), 'revise-plan');
    assert.equal(fileSection(lastChat(ws).messages[1]!.content), planned);
    await verifies(ws, run);
  });

  test("the pack's limits.repo_files caps the list, and says how many more there are", async () => {
    const run = await ws.init(['--pack', pack(ws, 'three-files', (m) => (m.limits = { repo_files: 3 }))]);
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    assert.equal(fileSection(lastChat(ws).messages[1]!.content), 'README.md\nZ.txt\nb.txt\n… and 5 more');
    // Warnings look at every file, not only the ones sent: src/app.js is past the cap.
    assert.deepEqual(ws.json(run, 'plan/plan.response.json').file_warnings, []);
    await verifies(ws, run);
  });

  test('a repository without a commit: "(no files)"', async () => {
    const empty = await workspace({});
    try {
      const run = await empty.init();
      empty.fake.enqueueReply({ content: JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T001', 'Add hello', ['hello.txt'], [])] }] }) });
      await must(empty.cli(['plan', '--run', run]), 'plan');
      assert.equal(fileSection(lastChat(empty).messages[1]!.content), '(no files)');
      assert.deepEqual(empty.json(run, 'plan/plan.response.json').file_warnings, ['T001 names hello.txt, not in the repository: a new file, or a mistake?']);
      await verifies(empty, run);
    } finally {
      await empty.close();
    }
  });
});

describe('files a plan names that are not in the repository are warned about', () => {
  let ws: Workspace;
  let run: string;
  const plan = {
    summary: 'Store greetings.',
    milestones: [
      {
        id: 'M1',
        title: 'Store',
        tasks: [
          task('T001', 'Default name', ['src/app.js'], []),
          task('T002', 'Add the store', ['lib/store.ts'], []),
          task('T003', 'Use the store', ['lib/store.ts', 'src/app.js'], ['T002']),
          task('T004', 'Test the store', ['lib/store.ts'], ['T001']),
          task('T005', 'Tidy', ['src'], ['T003']),
          task('T006', 'Use it more', ['src/app.js', 'lib/store.ts'], ['T005']),
        ],
      },
    ],
  };
  const expected = [
    'T002 names lib/store.ts, not in the repository: a new file, or a mistake?',
    'T004 names lib/store.ts, not in the repository and named by T002, which T004 does not depend on: a missing dependency, or a mistake?',
    'T005 names src, a folder of the repository, not a file: name the files it changes',
  ];

  before(async () => {
    ws = await workspace();
    run = await ws.init();
  });
  after(() => ws.close());

  test('plan prints them, records them with the revision, and plan.md lists them', async () => {
    ws.fake.enqueueReply({ content: JSON.stringify(plan) });
    const result = await must(ws.cli(['plan', '--run', run]), 'plan');
    assert.deepEqual(
      result.stderr.split('\n').filter((line) => line !== ''),
      expected.map((warning) => `warning: ${warning}`),
    );
    assert.deepEqual(ws.json(run, 'plan/plan.response.json').file_warnings, expected);
    assert.match(ws.read(run, 'plan/plan.md'), new RegExp(`\n## Warnings\n\n${expected.map((w) => `- ${w.replace(/[?().]/g, '\\$&')}`).join('\n')}\n`));
  });

  test('show and status show them, status without starting git', async () => {
    const show = await must(ws.cli(['show', '--run', run]), 'show');
    for (const warning of expected) assert.ok(show.stdout.includes(`warning: ${warning}\n`), show.stdout);
    // No git on PATH: status reads the warnings recorded with the revision.
    const status = await ws.cli(['status', '--run', run]);
    const noGit = await (async () => {
      const { runCli } = await import('./support/cli.js');
      return runCli(['status', '--run', run], { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, PATH: path.join(ws.root, 'no-such-dir') } });
    })();
    for (const result of [status, noGit]) {
      assert.equal(result.code, 0, result.stderr);
      for (const warning of expected) assert.ok(result.stdout.includes(`warning: ${warning}\n`), result.stdout);
    }
    const json = JSON.parse((await must(ws.cli(['status', '--run', run, '--json']), 'status --json')).stdout);
    assert.deepEqual(json.result.plan_warnings, expected);
    await verifies(ws, run);
  });

  test("status stops showing a task's warnings once a patch for it is approved; --json and show keep them", async () => {
    const done = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(plan) });
    await must(ws.cli(['plan', '--run', done]), 'plan');
    await must(ws.cli(['approve-plan', '--run', done]), 'approve-plan');
    ws.fake.enqueueReply({ content: ['diff --git a/lib/store.ts b/lib/store.ts', 'new file mode 100644', '--- /dev/null', '+++ b/lib/store.ts', '@@ -0,0 +1 @@', '+export const store = new Map();', ''].join('\n') });
    await must(ws.cli(['run-task', '--run', done, '--task', 'T002']), 'run-task T002');
    await must(ws.cli(['approve-task', '--run', done, '--task', 'T002']), 'approve-task T002');
    const status = await must(ws.cli(['status', '--run', done]), 'status');
    const shown = status.stdout.split('\n').filter((line) => line.startsWith('warning: '));
    assert.deepEqual(shown, expected.slice(1).map((warning) => `warning: ${warning}`));
    const json = JSON.parse((await must(ws.cli(['status', '--run', done, '--json']), 'status --json')).stdout);
    assert.deepEqual(json.result.plan_warnings, expected);
    const show = await must(ws.cli(['show', '--run', done]), 'show');
    for (const warning of expected) assert.ok(show.stdout.includes(`warning: ${warning}\n`), show.stdout);
  });

  test('a path with terminal bytes is refused, named escaped, never printed raw; the reply is kept', async () => {
    const evil = await ws.init();
    const name = 'src/\u001b[2J\u001b]0;pwned\u0007.js';
    ws.fake.enqueueReply({ content: JSON.stringify({ summary: 's', milestones: [{ id: 'M1', title: 't', tasks: [task('T001', 'Odd', [name], [])] }] }) });
    const line = oneLineError(await ws.cli(['plan', '--run', evil]), 1, /task T001: file "src\/\\x1b\[2J\\x1b\]0;pwned\\x07\.js" holds a control character \(\\x1b\)/);
    assert.doesNotMatch(line, /\u001b|\u0007/);
    assert.ok(existsSync(path.join(ws.root, 'runs', evil, 'plan/plan.response.json')), 'the raw reply is recorded');
    const status = await must(ws.cli(['status', '--run', evil]), 'status');
    assert.doesNotMatch(status.stdout, /\u001b|\u0007/);
    await verifies(ws, evil);
  });

  test('a plan whose files all exist, or come from tasks it depends on, has none', async () => {
    const clean = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const result = await must(ws.cli(['plan', '--run', clean]), 'plan');
    assert.equal(result.stderr, '');
    assert.deepEqual(ws.json(clean, 'plan/plan.response.json').file_warnings, []);
    assert.doesNotMatch(ws.read(clean, 'plan/plan.md'), /Warnings/);
    assert.doesNotMatch((await must(ws.cli(['status', '--run', clean]), 'status')).stdout, /warning/);
     await verifies(ws, clean);
  });
});

describe('revise-plan from a reply that did not validate', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  test('the model gets its own reply back, the validation errors and the feedback', async () => {
    const run = await ws.init();
    const bad = JSON.stringify({ summary: 'Greet.', milestones: [{ id: 'M1', title: 'Greeting', tasks: [task('T001', 'Default name', ['src/app.js'], ['T002'])] }] });
    ws.fake.enqueueReply({ content: bad });
    const failed = await ws.cli(['plan', '--run', run]);
    oneLineError(failed, 1, new RegExp(`not a valid plan: task T001: depends_on T002, which is not an earlier task; .*revise-plan --run ${run} --feedback .*edit-plan --run ${run}`));
    const original = lastChat(ws).messages;

    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const revised = await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'T001 needs nothing']), 'revise-plan');
    assert.match(revised.stdout, /^plan revision 2: /);
    const { body, messages } = lastChat(ws);
    assert.equal(body, ws.read(run, 'plan/rev-002/plan.request.json'));
    assert.deepEqual(messages.slice(0, 2), original, 'the original exchange, unchanged');
    assert.deepEqual(messages[2], { role: 'assistant', content: bad }, 'its reply as it was');
    assert.equal(messages.length, 4);
    assert.equal(messages[3]!.role, 'user');
    assert.match(messages[3]!.content, /^Your reply is not a valid plan:\n\n- task T001: depends_on T002, which is not an earlier task\n\n/);
    assert.match(messages[3]!.content, /\nT001 needs nothing\n/);
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 2\)/);
    await verifies(ws, run);
  });

  test('a reply that was not JSON at all comes back as it was', async () => {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: 'Sure! First, T001...' });
    oneLineError(await ws.cli(['plan', '--run', run]), 1, /not a valid plan: the reply is not JSON/);
    ws.fake.enqueueReply({ content: 'Still prose.' });
    oneLineError(await ws.cli(['revise-plan', '--run', run, '--feedback', 'JSON only, please']), 1, /not a valid plan/);
    const { messages } = lastChat(ws);
    assert.deepEqual(messages[2], { role: 'assistant', content: 'Sure! First, T001...' });
    assert.match(messages[3]!.content, /^Your reply is not a valid plan:\n\n- the reply is not JSON: /);
    assert.match(messages[3]!.content, /JSON only, please/);
    // Revision 3 starts from revision 2's reply, the latest.
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'JSON, as the schema says']), 'revise-plan');
    assert.deepEqual(lastChat(ws).messages[2], { role: 'assistant', content: 'Still prose.' });
    await verifies(ws, run);
  });

  test('after a valid revision, the plan is sent back as before', async () => {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'again']), 'revise-plan');
    const { messages } = lastChat(ws);
    assert.equal(messages[2]!.content, JSON.stringify(twoTaskPlan(), null, 2));
    assert.match(messages[3]!.content, /^A reviewer asked for changes to this plan:\n\nagain\n/);
     await verifies(ws, run);
  });
});

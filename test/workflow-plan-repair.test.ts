import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliResult } from './support/cli.js';
import { must, planApprovedRun } from './support/complete-run.js';
import { APP_JS, T001_REPLY, task, twoTaskPlan, workspace, packCopy, type Workspace } from './support/workflow-fixture.js';

/** What a person sees when something is wrong: one line, exit `code`, no stack trace. */
function oneLineError(result: CliResult, code: number, pattern: RegExp): string {
  assert.equal(result.code, code, result.stdout + result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

/** The messages of the last chat request the fake server received, and its raw body. */
function lastChat(ws: Workspace): { body: string; messages: Array<{ role: string; content: string }> } {
  const sent = ws.fake.requests.filter((request) => request.path === '/api/chat').at(-1)!;
  return { body: sent.body, messages: JSON.parse(sent.body).messages };
}

function chatCount(ws: Workspace): number {
  return ws.fake.requests.filter((request) => request.path === '/api/chat').length;
}

/** The part of the planner's user message between "# Repository files" and the next heading. */
function fileSection(userMessage: string): string {
  const m = /\n# Repository files\n\n([\s\S]*?)\n\n# Output\n/.exec(userMessage);
  assert.ok(m, `no repository section in:\n${userMessage}`);
  return m[1]!;
}

async function verifies(ws: Workspace, run: string): Promise<void> {
  const result = await ws.cli(['verify', '--run', run]);
  assert.equal(result.code, 0, `verify ${run}: ${result.stdout}${result.stderr}`);
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

describe('edit-plan: a person writes the next revision', () => {
  let ws: Workspace;
  let scripts: string;
  before(async () => {
    ws = await workspace();
    scripts = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-editor-'));
  });
  after(async () => {
    rmSync(scripts, { recursive: true, force: true });
    await ws.close();
  });

  /** A shell script as $EDITOR: copies what it was given to NAME.seen.json, its path to NAME.path, then runs `body` on "$1". */
  function editor(name: string, body: string): string {
    const file = path.join(scripts, `${name}.sh`);
    writeFileSync(file, `#!/bin/sh\ncp "$1" "${path.join(scripts, `${name}.seen.json`)}"\nprintf '%s' "$1" > "${path.join(scripts, `${name}.path`)}"\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }
  const seen = (name: string): string => readFileSync(path.join(scripts, `${name}.seen.json`), 'utf8');
  const withEditor = (args: string[], env: Record<string, string | undefined>) =>
    import('./support/cli.js').then(({ runCli }) => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, VISUAL: undefined, EDITOR: undefined, ...env } }));

  async function plannedRun(): Promise<string> {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    return run;
  }

  test('--file: a valid plan becomes the next revision, written by a person, with no model call; it is approved as usual', async () => {
    const run = await plannedRun();
    const edited = twoTaskPlan() as any;
    edited.milestones[0].tasks[1].files = ['src/app.js', 'lib/shout.js'];
    edited.milestones[0].tasks[1].title = 'Shout option, by hand';
    const text = `${JSON.stringify(edited, null, 2)}\n`;
    writeFileSync(path.join(ws.root, 'mine.json'), text);
    const calls = chatCount(ws);
    const result = await must(ws.cli(['edit-plan', '--run', run, '--file', 'mine.json']), 'edit-plan');
    assert.equal(chatCount(ws), calls, 'no model call');
    assert.match(result.stdout, /^plan revision 2: /);
    assert.match(result.stdout, /T002 Shout option, by hand/);
    assert.match(result.stderr, /^warning: T002 names lib\/shout\.js, not in the repository: a new file, or a mistake\?$/m);
    const response = ws.json(run, 'plan/rev-002/plan.response.json');
    assert.deepEqual(response.author, { kind: 'person', by: 'Test User', via: 'file' });
    assert.equal(response.model, '');
    assert.equal(response.raw, text);
    assert.deepEqual(ws.json(run, 'plan/rev-002/plan.json'), edited);
    assert.ok(existsSync(path.join(ws.root, 'runs', run, 'tasks/rev-002/T002.task.json')));
    assert.equal(existsSync(path.join(ws.root, 'runs', run, 'plan/rev-002/plan.request.json')), false);
    const audit = ws.read(run, 'audit.log').trim().split('\n').map((line) => JSON.parse(line)).at(-1);
    assert.equal(audit.command, 'edit-plan');
    assert.equal(audit.outcome, 'ok');
    assert.deepEqual(audit.args, { file: 'mine.json', run });

    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 2\)/);
    oneLineError(await ws.cli(['run-task', '--run', run, '--task', 'T001']), 1, /not approved/);
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    assert.equal(ws.json(run, 'plan/rev-002/plan.approval.json').subject.plan_revision, 2);
    // A revision a person wrote has no request: replay sends only the planner's.
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const replay = await must(ws.cli(['replay', '--run', run, '--json']), 'replay');
    assert.deepEqual(JSON.parse(replay.stdout).result.report.calls.map((call: { request: string }) => call.request), ['plan/plan.request.json']);
    await verifies(ws, run);
  });

  test('--file: a plan that does not validate is refused in one line, kept in the run, and no revision is made', async () => {
    const run = await plannedRun();
    const broken = twoTaskPlan() as any;
    broken.milestones[0].tasks[1].files = [];
    broken.milestones[0].tasks[1].acceptance = [];
    const text = JSON.stringify(broken);
    writeFileSync(path.join(ws.root, 'broken.json'), text);
    const line = oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'broken.json']), 1, /the plan in broken\.json is not valid: .* \(and 1 more\); nothing recorded, the text is kept in (\S+): fix it and run `edit-plan --run \S+ --file broken\.json`$/);
    const kept = /kept in (\S+):/.exec(line)![1]!;
    assert.equal(kept, path.join('runs', run, 'plan/edits/edit-001.json'));
    assert.equal(readFileSync(path.join(ws.root, kept), 'utf8'), text);
    assert.equal(existsSync(path.join(ws.root, 'runs', run, 'plan/rev-002')), false);
    const audit = ws.read(run, 'audit.log').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    assert.equal(audit.outcome, 'error');
    assert.deepEqual(audit.artifacts.map((a: { path: string }) => a.path), ['plan/edits/edit-001.json']);

    writeFileSync(path.join(ws.root, 'prose.json'), 'T001 then T002');
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'prose.json']), 1, /is not valid: not JSON: .*edit-002\.json/);
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'missing.json']), 1, /cannot read plan file missing\.json/);
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'src']), 1, /cannot read plan file src/);
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 1\)/);
    // The same plan again is not a revision.
    writeFileSync(path.join(ws.root, 'same.json'), JSON.stringify(twoTaskPlan()));
    oneLineError(await ws.cli(['edit-plan', '--run', run, '--file', 'same.json']), 1, /the plan is the same as revision 1: nothing recorded/);
    await verifies(ws, run);
  });

  test('$EDITOR: opened on the latest plan, pretty-printed; what it saves becomes the revision', async () => {
    const run = await plannedRun();
    const script = editor('rename', `sed 's/Shout option/Shout on request/' "$1" > "$1.new" && mv "$1.new" "$1"`);
    const result = await withEditor(['edit-plan', '--run', run], { EDITOR: script });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen('rename'), `${JSON.stringify(twoTaskPlan(), null, 2)}\n`);
    assert.match(result.stdout, /T002 Shout on request/);
    const response = ws.json(run, 'plan/rev-002/plan.response.json');
    assert.deepEqual(response.author, { kind: 'person', by: 'Test User', via: 'editor' });
    assert.equal(ws.json(run, 'plan/rev-002/plan.json').milestones[0].tasks[1].title, 'Shout on request');
    // $VISUAL comes first, with arguments of its own, as git runs it.
    const visual = editor('visual', `sed 's/Shout on request/Shout loudly/' "$1" > "$1.new" && mv "$1.new" "$1"`);
    const second = await withEditor(['edit-plan', '--run', run, '--by', 'Ada'], { VISUAL: `sh ${visual}`, EDITOR: '/bin/false' });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(seen('visual')), ws.json(run, 'plan/rev-002/plan.json'));
    assert.equal(seen('visual'), `${JSON.stringify(JSON.parse(seen('visual')), null, 2)}\n`);
    assert.equal(ws.json(run, 'plan/rev-003/plan.response.json').author.by, 'Ada');
    await verifies(ws, run);
  });

  test('$EDITOR: invalid text is kept in the run; a failed editor keeps its file; no editor names --file', async () => {
    const run = await plannedRun();
    const garble = editor('garble', `printf 'not a plan' > "$1"`);
    const line = oneLineError(await withEditor(['edit-plan', '--run', run], { EDITOR: garble }), 1, /the plan you wrote is not valid: not JSON: .*kept in (\S+): fix it and run `edit-plan --run \S+ --file \1`$/);
    const kept = /kept in (\S+):/.exec(line)![1]!;
    assert.equal(readFileSync(path.join(ws.root, kept), 'utf8'), 'not a plan');
    // Its temporary copy is gone: the run has the text.
    assert.equal(existsSync(readFileSync(path.join(scripts, 'garble.path'), 'utf8')), false);

    const fails = editor('fails', `printf 'half typed' > "$1"; exit 3`);
    const failed = oneLineError(await withEditor(['edit-plan', '--run', run], { EDITOR: fails }), 1, /the editor \(\S+\) exited with code 3: nothing recorded; what you typed is in (\S+): run `edit-plan --run \S+ --file \1`$/);
    const temp = /typed is in (\S+):/.exec(failed)![1]!;
    assert.equal(readFileSync(temp, 'utf8'), 'half typed');
    rmSync(path.dirname(temp), { recursive: true, force: true });

    oneLineError(await withEditor(['edit-plan', '--run', run], { EDITOR: '  ' }), 1, /no editor to open: set \$VISUAL or \$EDITOR, or .* --file PLAN\.json$/);
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 1\)/);
    await verifies(ws, run);
  });

  test('a revision whose reply did not validate: the editor gets its JSON; edit-plan makes the plan', async () => {
    const run = await ws.init();
    const bad = { summary: 'Greet.', milestones: [{ id: 'M1', title: 'Greeting', tasks: [task('T001', 'Default name', ['src/app.js'], ['T009'])] }] };
    ws.fake.enqueueReply({ content: JSON.stringify(bad) });
    oneLineError(await ws.cli(['plan', '--run', run]), 1, /not a valid plan/);
    const fix = editor('fix', `sed 's/"T009"//' "$1" > "$1.new" && mv "$1.new" "$1"`);
    const result = await withEditor(['edit-plan', '--run', run], { EDITOR: fix });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen('fix'), `${JSON.stringify(bad, null, 2)}\n`);
    assert.deepEqual(ws.json(run, 'plan/rev-002/plan.json').milestones[0].tasks[0].depends_on, []);
    await verifies(ws, run);
  });

  test('the gate is revise-plan\'s: no plan yet is refused the same way; after tasks ran both make a revision to approve', async () => {
    const fresh = await ws.init();
    const plan = twoTaskPlan() as any;
    writeFileSync(path.join(ws.root, 'plan.json'), JSON.stringify(plan));
    oneLineError(await ws.cli(['edit-plan', '--run', fresh, '--file', 'plan.json']), 1, /has no plan to revise: run `plan` first/);

    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    const calls = chatCount(ws);
    plan.milestones[0].tasks[1].title = 'Shout when asked';
    writeFileSync(path.join(ws.root, 'plan.json'), JSON.stringify(plan));
    await must(ws.cli(['edit-plan', '--run', run, '--file', 'plan.json']), 'edit-plan after a task ran');
    assert.equal(chatCount(ws), calls, 'edit-plan calls no model');
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /plan-pending-approval \(plan revision 2\)/);
    await verifies(ws, run);
  });
});

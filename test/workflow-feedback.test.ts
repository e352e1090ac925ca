import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PACK_DIR } from '../src/package-info.js';
import { lines, must, planApprovedRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import type { CliResult } from './support/cli.js';
import { APP_JS, T001_REPLY, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/** A diff whose removed line is not in src/app.js: the engine refuses it, quoting the file's line 2. */
const BAD_REPLY = [
  'diff --git a/src/app.js b/src/app.js',
  '--- a/src/app.js',
  '+++ b/src/app.js',
  '@@ -1,3 +1,3 @@',
  ' export function greet(name) {',
  "-  return 'Hi ' + name;",
  "+  return 'Hi ' + (name || 'world');",
  ' }',
  '',
].join('\n');
/** src/app.js's line 2, which only the file (never BAD_REPLY) holds. */
const FILE_LINE_2 = "  return 'Hello ' + name;";

type Message = { role: string; content: string };

function assertOneLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stdout + result.stderr);
  assert.equal(lines(result.stderr).length, 1, `one line: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

describe('run-task: a later attempt hears what went wrong with the last (through the built CLI)', () => {
  let ws: Workspace;
  const chats = () => ws.fake.requests.filter((request) => request.path === '/api/chat');
  const lastMessages = (): Message[] => JSON.parse(chats().at(-1)!.body).messages;
  const audit = (run: string) => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  const attemptDir = (n: number) => (n === 1 ? 'executions/T001' : `executions/T001/attempt-${String(n).padStart(3, '0')}`);
  const runTask = (run: string, ...extra: string[]) => ws.cli(['run-task', '--run', run, '--task', 'T001', ...extra]);

  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  async function verified(run: string): Promise<void> {
    const result = await ws.cli(['verify', '--run', run]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  }

  test('after a failed validation: the previous reply, the failure in full and the lines of the file around it', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: BAD_REPLY });
    const failed = await runTask(run);
    assertOneLine(failed, 1, /T001 attempt 1: the patch does not validate: src\/app\.js, hunk 1: the hunk does not match/);
    assert.ok(failed.stderr.includes(`\`run-task --run ${run} --task T001 --feedback "..."\` sends the model this failure`), failed.stderr);
    const failure = ws.json(run, 'executions/T001/exec.response.json').normalization.error as string;
    const first = lastMessages();
    assert.equal(first.length, 2);

    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(runTask(run), 'run-task attempt 2');
    const sent = lastMessages();
    assert.deepEqual(sent.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.deepEqual(sent.slice(0, 2), first, 'the system prompt and the task, with the context as it is now');
    assert.equal(sent[2]!.content, BAD_REPLY, 'the previous reply, raw');
    const feedback = sent[3]!.content;
    assert.ok(feedback.startsWith('Your reply above to task T001 was not accepted.'), feedback);
    assert.ok(feedback.includes(failure), 'the failure exactly as recorded');
    assert.ok(feedback.includes("-  return 'Hi ' + name;"), 'the line the diff expected');
    assert.ok(feedback.includes(`Lines 1-3 of src/app.js`), feedback);
    assert.ok(feedback.includes(`1\texport function greet(name) {\n2\t${FILE_LINE_2}\n3\t}`), 'the closest lines of the file, numbered');
    assert.doesNotMatch(feedback, /reviewer|person running/, 'no section for what did not happen');
    assert.ok(feedback.includes(readFileSync(path.join(DEFAULT_PACK_DIR, 'executor.feedback.txt'), 'utf8').trim().split('\n').at(-1)!), "the pack's wording");

    const response = ws.json(run, `${attemptDir(2)}/exec.response.json`);
    assert.deepEqual(response.feedback, {
      previous_attempt: 1,
      failure: {
        errors: [failure],
        expected_line: "-  return 'Hi ' + name;",
        excerpt: { file: 'src/app.js', first_line: 1, last_line: 3, text: `1\texport function greet(name) {\n2\t${FILE_LINE_2}\n3\t}` },
        hidden_files: [],
      },
      rejection: null,
      person: null,
      check_output: null,
    });
    const view = ws.read(run, `${attemptDir(2)}/exec.md`);
    assert.match(view, /## Feedback sent with this attempt/);
    assert.ok(view.includes(failure));
    assert.equal(ws.read(run, `${attemptDir(2)}/exec.request.json`), chats().at(-1)!.body, 'exec.request.json is the exact body');
    await verified(run);
  });

  test('after a rejection: the reviewer reason verbatim; with --feedback and --feedback-file: the person\'s words, recorded', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(runTask(run), 'run-task');
    const reason = 'Use a default parameter: greet(name = "world").';
    await must(ws.cli(['reject-task', '--run', run, '--task', 'T001', '--reason', reason, '--by', 'Reviewer']), 'reject-task');

    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(runTask(run), 'run-task after the rejection');
    let sent = lastMessages();
    assert.equal(sent[2]!.content, T001_REPLY);
    assert.ok(sent[3]!.content.includes(`saying:\n${reason}\n`), sent[3]!.content);
    assert.doesNotMatch(sent[3]!.content, /could not be used/);
    assert.equal(ws.json(run, `${attemptDir(2)}/exec.response.json`).feedback.rejection, reason);

    await must(ws.cli(['reject-task', '--run', run, '--task', 'T001', '--reason', 'still not it', '--by', 'Reviewer']), 'reject-task 2');
    const note = 'Keep `name` and write `name = "world"` in the parameter list.';
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(runTask(run, '--feedback', note), 'run-task --feedback');
    sent = lastMessages();
    assert.ok(sent[3]!.content.includes('still not it'));
    assert.ok(sent[3]!.content.includes(`says:\n${note}\n`), sent[3]!.content);
    assert.equal(ws.json(run, `${attemptDir(3)}/exec.response.json`).feedback.person, note);
    assert.ok(ws.read(run, `${attemptDir(3)}/exec.md`).includes(note), 'exec.md shows the feedback given');
    assert.equal(audit(run).at(-1).args.feedback, note, 'the audit line carries the text');

    await must(ws.cli(['reject-task', '--run', run, '--task', 'T001', '--reason', 'no', '--by', 'Reviewer']), 'reject-task 3');
    writeFileSync(path.join(ws.root, 'note.txt'), 'From a file: {{rejection}} stays as written.\n');
    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(runTask(run, '--feedback-file', 'note.txt'), 'run-task --feedback-file');
    assert.ok(lastMessages()[3]!.content.includes('From a file: {{rejection}} stays as written.'), 'placeholders in a note are not expanded');
    assert.deepEqual(audit(run).at(-1).args, { run, task: 'T001', feedback: 'From a file: {{rejection}} stays as written.', feedback_file: 'note.txt' });
    await verified(run);
  });

  test('a retry the model would answer the same is refused and nothing is sent; --same sends it, recorded', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: BAD_REPLY }, { content: BAD_REPLY });
    assert.equal((await runTask(run)).code, 1);
    assert.equal((await runTask(run)).code, 1, 'attempt 2 carries the failure, so it is sent; the model errs the same way');

    const sentBefore = chats().length;
    const refused = await runTask(run);
    assertOneLine(refused, 1, /T001 attempt 3 would send exactly the request of attempt 2 \(executions\/T001\/attempt-002\/exec\.request\.json\), so the model would answer the same/);
    assert.ok(refused.stderr.includes(`--feedback "..."`) && refused.stderr.includes('add-context') && refused.stderr.includes('--same'), refused.stderr);
    assert.equal(chats().length, sentBefore, 'nothing sent');
    assert.equal(audit(run).at(-1).outcome, 'error');
    assert.equal(existsSync(path.join(ws.root, 'runs', run, 'executions/T001/attempt-003')), false, 'no attempt 3');
    await verified(run);
  });

  test('--same sends the identical request anyway, and the audit line says so', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: BAD_REPLY }, { content: BAD_REPLY }, { content: T001_REPLY });
    await runTask(run);
    await runTask(run);
    await must(runTask(run, '--same'), 'run-task --same');
    assert.equal(ws.read(run, `${attemptDir(3)}/exec.request.json`), ws.read(run, `${attemptDir(2)}/exec.request.json`));
    assert.deepEqual(audit(run).at(-1).args, { run, task: 'T001', same: true });
    await verified(run);

    // replay sends every recorded request again, byte for byte, and gets the same replies.
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) }, { content: BAD_REPLY }, { content: BAD_REPLY }, { content: T001_REPLY });
    const replay = await ws.cli(['replay', '--run', run]);
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);
    assert.equal((replay.stdout.match(/identical reply$/gm) ?? []).length, 4, replay.stdout);
    await verified(run);
  });

  test('usage: both feedback options, an unreadable file, --feedback before any attempt', async () => {
    const run = await planApprovedRun(ws);
    assertOneLine(await runTask(run, '--feedback', 'a', '--feedback-file', 'b'), 2, /either --feedback or --feedback-file, not both/);
    assertOneLine(await runTask(run, '--feedback-file', 'missing.txt'), 1, /cannot read feedback file missing\.txt/);
    const sentBefore = chats().length;
    assertOneLine(await runTask(run, '--feedback', 'be careful'), 1, /T001 has not run yet, so --feedback has no attempt to comment on: run `run-task --run \S+ --task T001` first/);
    assert.equal(chats().length, sentBefore);
    await verified(run);
  });

  test("a failure on a file the executor is not shown names the file, never its lines; the task never calls it new", async () => {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    ws.fake.enqueueReply({ content: BAD_REPLY });
    const failed = await runTask(run);
    assert.equal(failed.code, 1);
    const task = lastMessages()[1]!.content;
    assert.doesNotMatch(task, /every file you change is new/);
    assert.ok(task.includes('These files of the task exist, but you are not shown them: src/app.js.'), task);
    // The engine refuses a file the executor was not shown before reading it: not even the record quotes it.
    assert.ok(!JSON.stringify(ws.json(run, 'executions/T001/exec.response.json')).includes(FILE_LINE_2.trim()), 'the record does not quote the hidden file');

    ws.fake.enqueueReply({ content: BAD_REPLY });
    await runTask(run);
    // The pack's system prompt has an example that happens to hold the same line: only the rest counts.
    const [, ...rest] = lastMessages();
    assert.equal(rest.length, 3);
    assert.ok(!rest.some((m) => m.content.includes(FILE_LINE_2.trim())), 'not one line of the hidden file is sent');
    assert.ok(lastMessages()[3]!.content.includes('Your diff changes src/app.js, which you were not shown'), lastMessages()[3]!.content);
    assert.deepEqual(ws.json(run, `${attemptDir(2)}/exec.response.json`).feedback.failure, { errors: [], expected_line: null, excerpt: null, hidden_files: ['src/app.js'] });

    // A rename of a file the executor was not shown: refused by the engine, naming only the old path.
    const rename = BAD_REPLY.replace('diff --git a/src/app.js b/src/app.js', 'diff --git a/src/app.js b/src/greeting.js\nrename from src/app.js\nrename to src/greeting.js').replace('+++ b/src/app.js', '+++ b/src/greeting.js');
    ws.fake.enqueueReply({ content: rename }, { content: T001_REPLY });
    assert.equal((await runTask(run, '--feedback', 'no renames')).code, 1);
    assert.match(ws.json(run, `${attemptDir(3)}/exec.response.json`).normalization.error, /^src\/app\.js: the executor cannot see this file/);
    await runTask(run);
    const [, ...after] = lastMessages();
    assert.ok(!after.some((m) => m.content.includes(FILE_LINE_2.trim())), 'not through a rename either');
    assert.deepEqual(ws.json(run, `${attemptDir(4)}/exec.response.json`).feedback.failure.hidden_files, ['src/app.js']);
    await verified(run);
  });

  test('a prompt over num_ctx says by how much, names the largest context files, and what to run', async () => {
    const big = `export const words = [\n${'  "lorem ipsum dolor sit amet, consectetur",\n'.repeat(1300)}];\n`;
    writeFileSync(path.join(ws.root, 'src/table.js'), big);
    await git(ws.root, ['add', 'src/table.js']);
    await git(ws.root, ['commit', '-qm', 'table']);
    const run = await planApprovedRun(ws);
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/table.js']), 'add-context');
    const sentBefore = chats().length;
    const result = await runTask(run);
    assertOneLine(result, 1, /the prompt is about (\d+) tokens, (\d+) over num_ctx 16384 with num_predict 4096 kept for the reply: /);
    const [, prompt, over] = /about (\d+) tokens, (\d+) over/.exec(result.stderr)!;
    assert.equal(Number(over), Number(prompt) + 4096 - 16384);
    const tableTokens = Math.ceil(Buffer.byteLength(big) / 3);
    assert.ok(result.stderr.includes(`the largest context files are src/table.js (about ${tableTokens} tokens), src/app.js (about ${Math.ceil(APP_JS.length / 3)} tokens)`), result.stderr);
    assert.ok(result.stderr.includes(`\`remove-context --run ${run} --file src/table.js\``), result.stderr);
    assert.ok(result.stderr.includes(`\`init --from ${run} --num-ctx 32768\``), result.stderr);
    assert.equal(chats().length, sentBefore, 'nothing sent');
    await verified(run);
  });

  test('the same steps give byte-identical attempt-2 requests', async () => {
    const make = async (): Promise<string> => {
      const run = await planApprovedRun(ws);
      ws.fake.enqueueReply({ content: BAD_REPLY }, { content: T001_REPLY });
      await runTask(run);
      await must(runTask(run, '--feedback', 'mind the context lines'), 'attempt 2');
      return run;
    };
    const a = await make();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const b = await make();
    assert.notEqual(a, b);
    assert.equal(ws.read(a, `${attemptDir(2)}/exec.request.json`), ws.read(b, `${attemptDir(2)}/exec.request.json`));
    assert.deepEqual(ws.json(a, `${attemptDir(2)}/exec.response.json`), ws.json(b, `${attemptDir(2)}/exec.response.json`));
    await verified(a);
    await verified(b);
  });

  test('a run whose pack predates feedback: --feedback is refused naming init --from; a bare retry is refused as identical', async () => {
    const pack = path.join(ws.root, 'old-pack');
    cpSync(DEFAULT_PACK_DIR, pack, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(pack, 'manifest.json'), 'utf8'));
    delete manifest.prompts.executor_feedback;
    writeFileSync(path.join(pack, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const run = await ws.init(['--pack', 'old-pack']);
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
    ws.fake.enqueueReply({ content: BAD_REPLY });
    assert.equal((await runTask(run)).code, 1);
    assertOneLine(await runTask(run, '--feedback', 'try harder'), 1, new RegExp(`prompt pack predates feedback .*\`init --from ${run} --pack `));
    assertOneLine(await runTask(run), 1, new RegExp(`so the model would answer the same: start a new run whose pack sends feedback with \`init --from ${run} --pack `));
    await verified(run);
  });
});

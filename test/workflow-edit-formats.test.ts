import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI } from './support/cli.js';
import { lines, must, planApprovedRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, packCopy, workspace, type Workspace } from './support/workflow-fixture.js';

const PACKS = path.join(CLI, '../../../packs');
const AFTER_T001 = ['export function greet(name) {', "  const who = name || 'world';", "  return 'Hello ' + who;", '}', ''].join('\n');
const AFTER_T002 = ['export function greet(name) {', "  const who = name || 'world';", "  return ('Hello ' + who).toUpperCase();", '}', ''].join('\n');

/** A whole-file reply as a small model writes it: the path, then the file in a fence. */
const whole = (content: string): string => `src/app.js\n\`\`\`js\n${content}\`\`\`\n`;
/** One SEARCH/REPLACE block for src/app.js. */
const block = (search: string[], replace: string[]): string => ['src/app.js', '<<<<<<< SEARCH', ...search, '=======', ...replace, '>>>>>>> REPLACE', ''].join('\n');

const WHOLE_T001 = whole(AFTER_T001);
const WHOLE_T002 = whole(AFTER_T002);
/** T001 written whole, but with the end of the function left out. */
const WHOLE_ELIDED = whole(['export function greet(name) {', "  const who = name || 'world';", '  // ... existing code ...', '}', ''].join('\n'));
const SR_T001 = block(["  return 'Hello ' + name;"], ["  const who = name || 'world';", "  return 'Hello ' + who;"]);
const SR_T002 = block(["  return 'Hello ' + who;"], ["  return ('Hello ' + who).toUpperCase();"]);

type Message = { role: string; content: string };

describe('edit formats: whole-file and SEARCH/REPLACE replies become reviewed unified diffs (through the built CLI)', () => {
  let ws: Workspace;
  const chats = () => ws.fake.requests.filter((request) => request.path === '/api/chat');
  const lastMessages = (): Message[] => JSON.parse(chats().at(-1)!.body).messages;
  const audit = (run: string) => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  const app = () => readFileSync(path.join(ws.root, 'src/app.js'), 'utf8');
  const pack = (dir: string, file: string) => readFileSync(path.join(PACKS, dir, file), 'utf8');
  const runFile = (run: string, rel: string) => path.join(ws.root, 'runs', run, rel);

  before(async () => {
    ws = await workspace();
  });
  after(() => ws.close());

  async function applyAndVerify(run: string): Promise<void> {
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001', '--commit']), 'apply-task T001');
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T002', '--commit']), 'apply-task T002');
    assert.equal(app(), AFTER_T002, 'the working tree holds what the replies wrote');
    const verified = await ws.cli(['verify', '--run', run]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /re-run on \d+ patch\.raw\.diff or reply\.raw\.txt file\(s\), gives the recorded patch\.diff byte for byte/);
    // Back to the base for the next test.
    await git(ws.root, ['reset', '-q', '--hard', ws.json(run, 'manifest.json').repository.base_commit]);
    assert.equal(app(), APP_JS);
  }

  test('init --edit-format whole: the whole pack, its prompt, the reply kept raw, the diff computed; plan → run → approve → apply → verify → replay', async () => {
    const run = await planApprovedRun(ws, ['--edit-format', 'whole']);
    const manifest = ws.json(run, 'manifest.json');
    assert.equal(manifest.pack.id, 'whole');
    assert.equal(manifest.generation.edit_format, 'whole');
    assert.equal(audit(run)[0].args.edit_format, 'whole');

    ws.fake.enqueueReply({ content: WHOLE_T001 });
    const ran = await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
    assert.match(ran.stdout, /T001 attempt 1: the whole reply was turned into a diff of 1 file\(s\)/);
    const sent = lastMessages();
    assert.equal(sent[0]!.content, pack('whole', 'executor.whole.system.txt'), "the system prompt is the whole format's");
    assert.match(sent[1]!.content, /Reply with each file you change: its path on a line, then its complete new content in a fenced code block/);
    assert.doesNotMatch(sent[1]!.content, /unified diff/);

    assert.equal(ws.read(run, 'executions/T001/artifacts/reply.raw.txt'), WHOLE_T001, 'the reply byte for byte');
    assert.ok(!existsSync(runFile(run, 'executions/T001/artifacts/patch.raw.diff')), 'a whole reply is not kept as a diff');
    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.equal(response.edit_format, 'whole');
    assert.equal(response.conversion.ok, true);
    assert.deepEqual(response.conversion.files, ['src/app.js']);
    assert.ok(Array.isArray(response.conversion.steps));
    assert.equal(response.validation.ok, true);
    const patch = ws.read(run, 'executions/T001/artifacts/patch.diff');
    assert.match(patch, /^diff --git a\/src\/app\.js b\/src\/app\.js\n/);
    assert.match(patch, /^\+  const who = name \|\| 'world';$/m);
    assert.match(patch, /^-  return 'Hello ' \+ name;$/m);
    const view = ws.read(run, 'executions/T001/exec.md');
    assert.match(view, /- Edit format: whole/);
    assert.match(view, /## Conversion of the reply to a diff/);
    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T001']), 'show');
    assert.match(shown.stdout, /^edit format: whole: the reply \(reply\.raw\.txt\) was turned into the patch in \d+ logged step\(s\)$/m);
    // The report shows the conversion, each logged step with it.
    const page = (await must(ws.cli(['report', '--run', run]), 'report')).stdout;
    assert.match(page, new RegExp(`The whole reply \\(<code>reply\\.raw\\.txt</code>\\) was turned into a diff of 1 file\\(s\\) in ${response.conversion.steps.length} logged step\\(s\\)`));
    for (const step of response.conversion.steps) assert.ok(page.includes(`<td><code>${step.fix}</code></td>`), step.fix);

    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
    ws.fake.enqueueReply({ content: WHOLE_T002 });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 (on top of T001)');
    assert.ok(lastMessages()[1]!.content.includes("  const who = name || 'world';"), 'T002 is shown the file with T001 applied');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    await applyAndVerify(run);

    const sentBefore = chats().length;
    ws.fake.enqueueReply({ content: ws.json(run, 'plan/plan.response.json').raw }, { content: WHOLE_T001 }, { content: WHOLE_T002 });
    const replayed = await ws.cli(['replay', '--run', run]);
    assert.equal(replayed.code, 0, replayed.stdout + replayed.stderr);
    assert.match(replayed.stdout, /^✅ executions\/T001\/exec\.request\.json: identical reply$/m);
    assert.match(replayed.stdout, /^✅ executions\/T002\/exec\.request\.json: identical reply$/m);
    assert.equal(chats()[sentBefore + 1]!.body, ws.read(run, 'executions/T001/exec.request.json'));
  });

  test('init --edit-format search-replace: blocks against the state tree, plan → run → approve → apply → verify', async () => {
    const run = await planApprovedRun(ws, ['--edit-format', 'search-replace']);
    assert.equal(ws.json(run, 'manifest.json').pack.id, 'search-replace');
    // Looking at the run says which format its executor answers in.
    assert.match((await must(ws.cli(['status', '--run', run]), 'status')).stdout, new RegExp(`^run ${run}: executing \\(plan revision 1\\) · edit format search-replace$`, 'm'));
    assert.equal(JSON.parse((await must(ws.cli(['status', '--run', run, '--json']), 'status --json')).stdout).result.edit_format, 'search-replace');
    const listed = (await must(ws.cli(['runs']), 'runs')).stdout.split('\n').find((line) => line.startsWith(`${run} `));
    assert.match(listed!, /\sexecuting \(search-replace\)\s+0\/2 approved\s+next: /);
    const runsJson = JSON.parse((await must(ws.cli(['runs', '--json']), 'runs --json')).stdout).result.runs;
    assert.equal(runsJson.find((item: { run_id: string }) => item.run_id === run).edit_format, 'search-replace');
    ws.fake.enqueueReply({ content: SR_T001 });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
    assert.equal(lastMessages()[0]!.content, pack('search-replace', 'executor.search-replace.system.txt'));
    assert.equal(ws.read(run, 'executions/T001/artifacts/reply.raw.txt'), SR_T001);
    assert.equal(ws.json(run, 'executions/T001/exec.response.json').edit_format, 'search-replace');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
    ws.fake.enqueueReply({ content: SR_T002 });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 (its SEARCH only matches on top of T001)');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    await applyAndVerify(run);
  });

  test('run-task --edit-format on a diff run: an elided whole file is refused with where; attempt 2 hears why in the format\'s words (--feedback), and validates', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: WHOLE_ELIDED });
    const refused = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--edit-format', 'whole']);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.equal(lines(refused.stderr).length, 1, refused.stderr);
    assert.match(refused.stderr, /T001 attempt 1: the whole reply cannot be turned into a patch: .*src\/app\.js/);
    assert.equal(lastMessages()[0]!.content, pack('core', 'executor.whole.system.txt'), "the run pack's whole prompt");
    assert.equal(audit(run).at(-1).args.edit_format, 'whole', 'the attempt\'s format is recorded with the command');
    assert.equal(ws.read(run, 'executions/T001/artifacts/reply.raw.txt'), WHOLE_ELIDED, 'kept before it was read');
    assert.ok(!existsSync(runFile(run, 'executions/T001/artifacts/patch.diff')));
    const response = ws.json(run, 'executions/T001/exec.response.json');
    assert.equal(response.conversion.ok, false);
    assert.equal(response.conversion.path, 'src/app.js');
    assert.equal(response.normalization.ok, false);

    ws.fake.enqueueReply({ content: WHOLE_T001 });
    const note = 'Write every line of src/app.js.';
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001', '--edit-format', 'whole', '--feedback', note]), 'run-task attempt 2');
    const sent = lastMessages();
    assert.deepEqual(sent.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(sent[2]!.content, WHOLE_ELIDED, 'the previous reply, raw');
    assert.ok(sent[3]!.content.includes(response.normalization.error), 'the refusal as recorded');
    assert.ok(sent[3]!.content.includes(note));
    assert.ok(sent[3]!.content.includes('every line, none left out'), "the whole format's feedback wording");
    const second = ws.json(run, 'executions/T001/attempt-002/exec.response.json');
    assert.equal(second.feedback.failure.errors[0], response.normalization.error);
    assert.equal(second.validation.ok, true);

    // The next attempt of T002 in the run's own format (diff) again.
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
    ws.fake.enqueueReply({ content: SR_T002 });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002', '--edit-format', 'search-replace']), 'run-task T002');
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T002', '--by', 'Reviewer']), 'approve-task T002');
    await applyAndVerify(run);
  });

  test('hostile replies: a file the executor was not shown, .git/, the runs folder and ../ are refused, quoting nothing hidden', async () => {
    const run = await planApprovedRun(ws, ['--edit-format', 'search-replace']);
    const attempt = async (reply: string, extra: string[] = []): Promise<string> => {
      ws.fake.enqueueReply({ content: reply });
      const result = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--same', ...extra]);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.equal(lines(result.stderr).length, 1, result.stderr);
      return result.stderr;
    };
    // secret/notes.txt exists but is not in the context: its lines must not come back in the refusal.
    const hidden = await attempt(['secret/notes.txt', '<<<<<<< SEARCH', 'do not leak', '=======', 'leaked', '>>>>>>> REPLACE', ''].join('\n'));
    assert.match(hidden, /cannot see this file.*add-context --file secret\/notes\.txt/);
    assert.doesNotMatch(hidden, /leak me/);
    const wholeHidden = await attempt('secret/notes.txt\n```\nreplaced\n```\n', ['--edit-format', 'whole']);
    assert.match(wholeHidden, /cannot see this file.*add-context --file secret\/notes\.txt/, 'an existing file not shown is not taken for a new one');
    const why: Array<[string, RegExp]> = [
      ['.git/config', /cannot be turned into a patch: (reply line 1: )?the path "\.git\/config" is inside \.git\//],
      ['../outside.js', /cannot be turned into a patch: (reply line 1: )?the path "\.\.\/outside\.js" contains a '\.\.' segment/],
      [`runs/${run}/manifest.json`, /does not validate: runs\/.*is inside the runs directory/],
    ];
    for (const [name, pattern] of why) assert.match(await attempt(`${name}\n\`\`\`\nhostile\n\`\`\`\n`, ['--edit-format', 'whole']), pattern, name);
    assert.ok(!existsSync(path.join(ws.root, '..', 'outside.js')));
    assert.doesNotMatch(readFileSync(path.join(ws.root, '.git/config'), 'utf8'), /hostile/);
    assert.equal(ws.read(run, 'manifest.json').includes('hostile'), false);
    const verified = await ws.cli(['verify', '--run', run]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  test('the same refused reply twice: the third request would repeat the second, so --same is needed to send it', async () => {
    const run = await planApprovedRun(ws, ['--edit-format', 'search-replace']);
    const stale = block(["  return 'Hi ' + name;"], ["  return 'Hi ' + who;"]);
    for (const n of [1, 2]) {
      ws.fake.enqueueReply({ content: stale });
      const refused = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
      assert.equal(refused.code, 1, `attempt ${n}: ${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(`T001 attempt ${n}: the search-replace reply cannot be turned into a patch: .*src/app\\.js`));
    }
    const sentBefore = chats().length;
    const same = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(same.code, 1);
    assert.match(same.stderr, /would send exactly the request of attempt 2/);
    assert.equal(chats().length, sentBefore, 'not sent');
    ws.fake.enqueueReply({ content: SR_T001 });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001', '--same']), 'run-task --same');
    const feedback = lastMessages()[3]!.content;
    assert.ok(feedback.includes(ws.json(run, 'executions/T001/attempt-002/exec.response.json').normalization.error), feedback);
    assert.ok(feedback.includes('Copy each SEARCH line exactly'), "the search-replace format's feedback wording");
    assert.equal(ws.json(run, 'executions/T001/attempt-003/exec.response.json').validation.ok, true);
  });

  test('deterministic: the same whole-file reply on two runs gives byte-identical requests and attempt files', async () => {
    const made: string[] = [];
    for (const n of [1, 2]) {
      const run = await planApprovedRun(ws, ['--edit-format', 'whole']);
      ws.fake.enqueueReply({ content: WHOLE_T001 });
      await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), `run-task in run ${n}`);
      made.push(run);
    }
    for (const file of ['exec.request.json', 'exec.response.json', 'exec.md', 'artifacts/reply.raw.txt', 'artifacts/patch.diff', 'artifacts/patch.md']) {
      assert.equal(ws.read(made[1]!, `executions/T001/${file}`), ws.read(made[0]!, `executions/T001/${file}`), file);
    }
  });

  test('verify re-runs the conversion: a changed reply.raw.txt is found', async () => {
    const run = await planApprovedRun(ws, ['--edit-format', 'whole']);
    ws.fake.enqueueReply({ content: WHOLE_T001 });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task');
    const raw = runFile(run, 'executions/T001/artifacts/reply.raw.txt');
    writeFileSync(raw, readFileSync(raw, 'utf8').replace("'world'", "'there'"));
    const verified = await ws.cli(['verify', '--run', run]);
    assert.equal(verified.code, 1, verified.stdout);
    assert.match(verified.stdout, /executions\/T001\/artifacts\/patch\.diff.*is not what the engine makes of reply\.raw\.txt/);
  });

  test('a task too large to write whole is refused before the call, naming the other formats', async () => {
    const small = packCopy(ws, 'small-whole-pack', (manifest) => {
      manifest.limits = { whole_file_bytes: 20 };
    });
    const run = await planApprovedRun(ws, ['--pack', small]);
    const sentBefore = chats().length;
    const refused = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--edit-format', 'whole']);
    assert.equal(refused.code, 1);
    assert.equal(lines(refused.stderr).length, 1, refused.stderr);
    assert.match(refused.stderr, /T001's files are \d+ bytes together \(src\/app\.js \d+\), over the pack's limits\.whole_file_bytes \(20 bytes\).*--edit-format search-replace.*--edit-format diff/);
    assert.equal(chats().length, sentBefore, 'no model call');
    assert.equal(audit(run).at(-1).outcome, 'error');
  });

  test('--pack and --edit-format must agree; a pack without the format\'s prompts is refused with what to do', async () => {
    const differs = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', 'qwen2.5-coder:7b', '--executor-model', 'qwen2.5-coder:7b', '--pack', path.join(PACKS, 'core'), '--edit-format', 'whole']);
    assert.equal(differs.code, 2, differs.stderr);
    assert.match(differs.stderr, /writes diff edits \(its generation\.edit_format\), not whole/);
    const bad = await ws.cli(['run-task', '--run', 'x', '--task', 'T001', '--edit-format', 'patch']);
    assert.equal(bad.code, 2, bad.stderr);

    const old = packCopy(ws, 'diff-only-pack', (manifest) => {
      delete manifest.prompts.edit_formats;
    });
    const run = await planApprovedRun(ws, ['--pack', old]);
    const refused = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--edit-format', 'search-replace']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`has no executor prompt for the search-replace format .*init --from ${run} --edit-format search-replace`));
    // The advice works: the new run is on the shipped search-replace pack.
    const from = await must(ws.cli(['init', '--from', run, '--edit-format', 'search-replace']), 'init --from --edit-format');
    const next = from.stdout.trim();
    assert.equal(ws.json(next, 'manifest.json').pack.id, 'search-replace');
    assert.equal(ws.json(next, 'manifest.json').generation.edit_format, 'search-replace');
    assert.equal(audit(next)[0].args.edit_format, 'search-replace');
  });

  test('the shipped packs carry the same prompts; only the format they start in differs', () => {
    const core = JSON.parse(pack('core', 'manifest.json'));
    for (const format of ['whole', 'search-replace']) {
      const manifest = JSON.parse(pack(format, 'manifest.json'));
      assert.equal(manifest.generation.edit_format, format);
      assert.deepEqual({ ...manifest, id: core.id, description: core.description, generation: core.generation }, core);
      for (const file of Object.values<any>(core.prompts.edit_formats).flatMap((p) => [p.executor_system, p.executor_feedback]).concat(core.prompts.planner_system, core.prompts.executor_system, core.prompts.executor_feedback)) {
        assert.equal(pack(format, file), pack('core', file), `${format}/${file} is core's`);
      }
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { lines, must } from './support/complete-run.js';
import { APP_JS, T001_REPLY, T002_DIFF, task, workspace, type Workspace } from './support/workflow-fixture.js';

const UTIL_JS = 'export const shout = (text) => text.toUpperCase();\n';

/** T001 declares two files that exist and one it creates; T002 works on top of it. */
function contextPlan(): Record<string, unknown> {
  return {
    summary: 'Greet the world by default and shout on request.',
    milestones: [
      {
        id: 'M1',
        title: 'Greeting',
        tasks: [task('T001', 'Default name', ['src/app.js', 'src/util.js', 'src/new.js'], []), task('T002', 'Shout option', ['src/app.js'], ['T001'])],
      },
    ],
  };
}

/**
 * The person decides what the executor sees: several files in one add-context, a task's declared
 * files, and remove-context, each one allowlist version recorded in the audit log; status and
 * show say when a ready task's files are out of sight.
 */
describe('the person controls the context', () => {
  let ws: Workspace;
  let run: string;
  const audit = (): any[] => lines(ws.read(run, 'audit.log')).map((line) => JSON.parse(line));
  /** What the executor was shown: the task and its files (the system prompt's example aside). */
  const userMessage = (rel: string): string => ws.json(run, rel).messages.find((message: { role: string }) => message.role === 'user').content;
  const allowlist = () => ws.json(run, 'context/allowlist.json');
  const nextLines = async (): Promise<string[]> =>
    lines((await must(ws.cli(['status', '--run', run]), 'status')).stdout).filter((line) => line.startsWith('next: '));

  before(async () => {
    ws = await workspace({ 'src/app.js': APP_JS, 'src/util.js': UTIL_JS, 'secret/notes.txt': 'do not leak me\n', '.env': 'TOKEN=abc\n' });
    run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(contextPlan()) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
  });
  after(() => ws.close());

  test("a ready task whose existing files the executor cannot see: status says add-context --task first, show says which files", async () => {
    assert.deepEqual(await nextLines(), [`next: llm-orchestrator add-context --run ${run} --task T001`, `next: llm-orchestrator run-task --run ${run} --task T001`]);
    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T001']), 'show --task T001');
    assert.match(shown.stdout, /^run \S+: T001 Default name \[ready\]: not run yet$/m);
    assert.match(shown.stdout, /^ {2}src\/app\.js: exists, but the executor cannot see it$/m);
    assert.match(shown.stdout, /^ {2}src\/util\.js: exists, but the executor cannot see it$/m);
    assert.match(shown.stdout, /^ {2}src\/new\.js: not in the repository at base \+ approved patches/m);
    const json = JSON.parse((await must(ws.cli(['show', '--run', run, '--task', 'T001', '--json']), 'show --json')).stdout).result;
    assert.equal(json.kind, 'task');
    assert.deepEqual(json.files, [
      { path: 'src/app.js', state: 'hidden' },
      { path: 'src/util.js', state: 'hidden' },
      { path: 'src/new.js', state: 'absent' },
    ]);
  });

  test('add-context --file a --file b adds both, as one allowlist version and one audit line; one refused file adds nothing', async () => {
    const refused = await ws.cli(['add-context', '--run', run, '--file', 'src/app.js', '--file', '.env']);
    assert.equal(refused.code, 1);
    assert.equal(lines(refused.stderr).length, 1, refused.stderr);
    assert.match(refused.stderr, /\.env looks like a secret .*--allow-secret/);
    assert.deepEqual(allowlist().files, []);

    const linesBefore = audit().length;
    const added = await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js', '--file', 'secret/notes.txt']), 'add-context a b');
    assert.match(added.stdout, /^added src\/app\.js \(sha256 [0-9a-f]{64}\)$/m);
    assert.match(added.stdout, /^added secret\/notes\.txt \(sha256 [0-9a-f]{64}\)$/m);
    assert.deepEqual(allowlist().files.map((entry: { path: string }) => entry.path), ['secret/notes.txt', 'src/app.js']);
    const written = audit().slice(linesBefore);
    assert.equal(written.length, 1);
    assert.deepEqual(written[0].args.file, ['src/app.js', 'secret/notes.txt']);
    assert.deepEqual(written[0].artifacts.map((artifact: { path: string }) => artifact.path), ['context/allowlist.json']);
  });

  test('add-context --task adds the declared files that exist and names the ones skipped', async () => {
    const added = await must(ws.cli(['add-context', '--run', run, '--task', 'T001']), 'add-context --task');
    assert.match(added.stdout, /^added src\/util\.js /m);
    assert.match(added.stdout, /^src\/app\.js is already in the context$/m);
    assert.match(added.stdout, /^skipped src\/new\.js: not a file at base \+ approved patches/m);
    assert.deepEqual(allowlist().files.map((entry: { path: string }) => entry.path), ['secret/notes.txt', 'src/app.js', 'src/util.js']);
    assert.equal(audit().at(-1).args.task, 'T001');
    assert.deepEqual(await nextLines(), [`next: llm-orchestrator run-task --run ${run} --task T001`]);
    // Every declared file that exists is in sight: status finds that out without git (none on PATH).
    const emptyPath = mkdtempSync(path.join(tmpdir(), 'no-git-'));
    const noGit = await must(runCli(['status', '--run', run], { cwd: ws.root, env: { PATH: emptyPath } }), 'status without git').finally(() => rmdirSync(emptyPath));
    assert.match(noGit.stdout, new RegExp(`^next: llm-orchestrator run-task --run ${run} --task T001$`, 'm'));
    const json = JSON.parse((await must(ws.cli(['show', '--run', run, '--task', 'T001', '--json']), 'show --json')).stdout).result;
    assert.deepEqual(json.files.map((file: { state: string }) => file.state), ['visible', 'visible', 'absent']);
  });

  test('remove-context takes files out as a new allowlist version; the executor no longer sees them, and status does not put them back', async () => {
    const missing = await ws.cli(['remove-context', '--run', run, '--file', 'src/new.js']);
    assert.equal(missing.code, 1);
    assert.equal(lines(missing.stderr).length, 1, missing.stderr);
    assert.match(missing.stderr, /src\/new\.js is not in the context .*list-context --run/);

    const removed = await must(ws.cli(['remove-context', '--run', run, '--file', 'secret/notes.txt', '--file', 'src/util.js']), 'remove-context');
    assert.match(removed.stdout, /^removed secret\/notes\.txt/m);
    const last = audit().at(-1);
    assert.equal(last.command, 'remove-context');
    assert.deepEqual(last.args.file, ['secret/notes.txt', 'src/util.js']);
    assert.equal(last.artifacts[0].path, 'context/allowlist.json');
    assert.deepEqual(allowlist().files.map((entry: { path: string }) => entry.path), ['src/app.js']);
    assert.deepEqual(allowlist().excluded.map((entry: { path: string }) => entry.path), ['secret/notes.txt', 'src/util.js']);
    assert.match((await must(ws.cli(['list-context', '--run', run]), 'list-context')).stdout, /^src\/util\.js\tremoved\t/m);
    // Taken out on purpose: neither status nor add-context --task brings it back.
    assert.deepEqual(await nextLines(), [`next: llm-orchestrator run-task --run ${run} --task T001`]);
    assert.match((await must(ws.cli(['add-context', '--run', run, '--task', 'T001']), 'add-context --task')).stdout, /^skipped src\/util\.js: taken out with remove-context/m);

    ws.fake.enqueueReply({ content: T001_REPLY });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
    const request = userMessage('executions/T001/exec.request.json');
    assert.match(request, /return 'Hello ' \+ name;/);
    assert.doesNotMatch(request, /toUpperCase|do not leak me/);
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task T001');
  });

  test("remove-context hides a file an approved patch touched; add-context --file puts it back", async () => {
    await must(ws.cli(['remove-context', '--run', run, '--file', 'src/app.js']), 'remove-context src/app.js');
    const listing = JSON.parse((await must(ws.cli(['list-context', '--run', run, '--json']), 'list-context')).stdout).result;
    assert.deepEqual(listing.from_approved_patches, []);
    assert.ok(listing.excluded.some((entry: { path: string }) => entry.path === 'src/app.js'));
    const shown = await must(ws.cli(['show', '--run', run, '--task', 'T002']), 'show --task T002');
    assert.match(shown.stdout, /^ {2}src\/app\.js: taken out with remove-context/m);

    // Not shown the file, the executor may not change it: the attempt is refused, naming only the file.
    ws.fake.enqueueReply({ content: T002_DIFF });
    const hidden = await ws.cli(['run-task', '--run', run, '--task', 'T002']);
    assert.equal(hidden.code, 1);
    assert.match(hidden.stderr, /src\/app\.js: the executor cannot see this file, so its reply may not change it: add it with `add-context --file src\/app\.js`/);
    assert.doesNotMatch(userMessage('executions/T002/exec.request.json'), /const who/);

    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context src/app.js again');
    assert.equal(allowlist().excluded?.some((entry: { path: string }) => entry.path === 'src/app.js') ?? false, false);
    ws.fake.enqueueReply({ content: T002_DIFF });
    await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002 with src/app.js');
    assert.match(userMessage('executions/T002/attempt-002/exec.request.json'), /const who/);
  });

  test('verify accepts the run', async () => {
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

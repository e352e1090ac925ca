import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CliResult } from './support/cli.js';
import { must } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, task, workspace, type Workspace } from './support/workflow-fixture.js';

/** Names a terminal or git acts on, each committed as a real file of the repository. */
const ESC_NAME = 'src/evil\x1b[2J.js';
const TAB_NAME = 'src/tab\there.js';
const BIDI_NAME = 'src/invoice\u202egnp.js';

/** One line on standard error, exit 1, naming the character escaped and never holding it raw. */
function refusedNaming(result: CliResult, escape: string): string {
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(lines[0]!.includes(`(${escape})`), lines[0]);
  assert.doesNotMatch(result.stderr, /[\x1b\u202e]/, 'the name is shown escaped');
  return lines[0]!;
}

describe('file names holding control characters are refused wherever they are named', () => {
  let ws: Workspace;
  let run: string;
  before(async () => {
    ws = await workspace({ 'src/app.js': APP_JS, [ESC_NAME]: 'a\n', [TAB_NAME]: 'b\n', [BIDI_NAME]: 'c\n' });
    assert.ok(existsSync(path.join(ws.root, ESC_NAME)));
    assert.match(await git(ws.root, ['ls-files']), /evil/, 'the files are committed');
    run = await ws.init();
  });
  after(() => ws.close());

  test('add-context and remove-context refuse such a name in one line naming the character and what to do', async () => {
    const allowlist = ws.read(run, 'context/allowlist.json');
    for (const [name, escape] of [[ESC_NAME, '\\x1b'], [TAB_NAME, '\\t'], [BIDI_NAME, '\\u202e']] as const) {
      const line = refusedNaming(await ws.cli(['add-context', '--run', run, '--file', name]), escape);
      assert.match(line, /control character .*refused: rename the file with `git mv` and commit it$/);
      refusedNaming(await ws.cli(['remove-context', '--run', run, '--file', name]), escape);
    }
    assert.equal(ws.read(run, 'context/allowlist.json'), allowlist, 'nothing was recorded');
    await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'an ordinary name is still added');
  });

  test("a plan naming such a file is refused, and so is a diff creating one (git's C-quoted header)", async () => {
    ws.fake.enqueueReply({ content: JSON.stringify({ summary: 'S.', milestones: [{ id: 'M1', title: 'All', tasks: [task('T001', 'Evil', [ESC_NAME], [])] }] }) });
    const plan = await ws.cli(['plan', '--run', run]);
    assert.equal(plan.code, 1, plan.stderr);
    assert.match(plan.stderr, /file "src\/evil\\x1b\[2J\.js" holds a control character \(\\x1b\)/);
    assert.doesNotMatch(plan.stderr, /\x1b/);

    ws.fake.enqueueReply({ content: JSON.stringify({ summary: 'S.', milestones: [{ id: 'M1', title: 'All', tasks: [task('T001', 'Add', ['src/app.js'], [])] }] }) });
    await must(ws.cli(['revise-plan', '--run', run, '--feedback', 'only src/app.js']), 'revise-plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    const diff = ['diff --git "a/src/new\\342\\200\\256sj.exe" "b/src/new\\342\\200\\256sj.exe"', 'new file mode 100644', '--- /dev/null', '+++ "b/src/new\\342\\200\\256sj.exe"', '@@ -0,0 +1 @@', '+x', ''].join('\n');
    ws.fake.enqueueReply({ content: diff });
    const attempt = await ws.cli(['run-task', '--run', run, '--task', 'T001', '--json']);
    assert.equal(attempt.code, 1, attempt.stderr);
    const result = JSON.parse(attempt.stdout).result;
    assert.equal(result.valid, false);
    assert.match(result.reason, /src\/new\u202esj\.exe holds a control character \(\\u202e\)/);
    assert.equal(existsSync(path.join(ws.root, 'src/new\u202esj.exe')), false);
    await must(ws.cli(['verify', '--run', run]), 'verify');
  });
});

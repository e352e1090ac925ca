/**
 * An executable file that stays executable: a clean `git diff` of it carries git's
 * `index <a>..<b> 100755` line, which says nothing changes about the mode. Accepted through
 * check-patch and run-task → approve-task → apply-task, with the file still executable after; a
 * mode change, a new executable, or that line on a file that is not executable stays refused.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { must, planApprovedRun } from './support/complete-run.js';
import { git } from './support/git-fixture.js';
import { APP_JS, workspace, type Workspace } from './support/workflow-fixture.js';

const CHANGED = APP_JS.replace("  return 'Hello ' + name;", "  return 'Hello ' + (name || 'world');");

describe('a diff that keeps an existing 100755 mode', () => {
  let ws: Workspace;
  let diff: string;
  before(async () => {
    ws = await workspace({ 'src/app.js': APP_JS, 'notes.txt': 'plain\n' });
    chmodSync(path.join(ws.root, 'src/app.js'), 0o755);
    await git(ws.root, ['add', '-A']);
    await git(ws.root, ['commit', '-q', '-m', 'executable']);
    writeFileSync(path.join(ws.root, 'src/app.js'), CHANGED);
    diff = await git(ws.root, ['diff']);
    await git(ws.root, ['checkout', '--', '.']);
  });
  after(() => ws.close());

  test('check-patch accepts the clean git diff unchanged', async () => {
    assert.match(diff, /^index [0-9a-f]+\.\.[0-9a-f]+ 100755$/m);
    writeFileSync(path.join(ws.root, 'exec.diff'), diff);
    const result = await ws.cli(['check-patch', 'exec.diff']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, diff);
  });

  test('the same line on a file that is not executable, or a mode change, is refused', async () => {
    const forged = diff.replaceAll('src/app.js', 'notes.txt').replace(/^@@[\s\S]*$/m, '@@ -1 +1 @@\n-plain\n+PLAIN\n');
    writeFileSync(path.join(ws.root, 'forged.diff'), forged);
    const refused = await ws.cli(['check-patch', 'forged.diff']);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /notes\.txt is executable \(index … 100755\), but it is mode 100644 there/);
    const modeChange = ['diff --git a/src/app.js b/src/app.js', 'old mode 100755', 'new mode 100644', ''].join('\n');
    writeFileSync(path.join(ws.root, 'mode.diff'), modeChange);
    assert.match((await ws.cli(['check-patch', 'mode.diff'])).stderr, /mode changes are not accepted/);
  });

  test('run-task takes it as a valid patch; approved and applied, the file is changed and still executable', async () => {
    const run = await planApprovedRun(ws);
    ws.fake.enqueueReply({ content: `Here it is:\n\n\`\`\`diff\n${diff}\`\`\`\n` });
    const ran = await ws.cli(['run-task', '--run', run, '--task', 'T001']);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', 'Reviewer']), 'approve-task');
    await must(ws.cli(['apply-task', '--run', run, '--task', 'T001']), 'apply-task');
    assert.equal(readFileSync(path.join(ws.root, 'src/app.js'), 'utf8'), CHANGED);
    assert.equal(statSync(path.join(ws.root, 'src/app.js')).mode & 0o777, 0o755);
  });
});

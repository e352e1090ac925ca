import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { bigPatch } from './support/big-patch.js';
import { CLI } from './support/cli.js';
import { makeRepo, removeRepos } from './support/git-fixture.js';

/**
 * The temporary index a validation works in holds a copy of the patch it applies. A command that
 * exits at once (SIGTERM) never reaches the code that removes it after use: its exit must.
 */
const scratch = mkdtempSync(path.join(tmpdir(), 'check-patch-interrupt-'));
after(async () => {
  await removeRepos();
  rmSync(scratch, { recursive: true, force: true });
});

const indexDirs = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('llm-orchestrator-index-'));

test('SIGTERM while check-patch validates leaves no temporary index behind', async () => {
  const { reply, files } = bigPatch(400, false);
  const { root } = await makeRepo(Object.fromEntries([...files].map(([file, bytes]) => [file, bytes.toString('utf8')])));
  const diff = path.join(scratch, 'big.diff');
  writeFileSync(diff, reply);
  // The command's own temporary folder, so what it leaves there is what this test looks at.
  const temp = path.join(scratch, 'tmp');
  mkdirSync(temp);

  const child = spawn(process.execPath, [CLI, 'check-patch', diff], { cwd: root, env: { ...process.env, TMPDIR: temp }, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  while (!ended && indexDirs(temp).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.equal(indexDirs(temp).length, 1, 'the validation made its temporary index before the command ended');
  child.kill('SIGTERM');
  assert.equal(await exited, 143, 'the command was still at work when it was told to stop');
  assert.deepEqual(indexDirs(temp), []);
});

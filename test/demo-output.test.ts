/**
 * `npm run demo` (scripts/demo.ts): plain text when its output is a pipe, bold on a terminal only,
 * and it ends by saying where its throw-away repository is, so it can be looked at and removed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lines } from './support/complete-run.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/demo.js');

function runDemo(onTerminal: boolean): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  env['TERM'] = 'xterm';
  const child = onTerminal
    ? spawn('script', ['-qec', `'${process.execPath}' '${DEMO}'`, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [DEMO], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

/** The repository the last line names, which must exist; removed once checked. */
function demoRepository(output: string): string {
  const last = lines(output).at(-1)!;
  const match = /^the demo's repository stays in (\S+) to look around; remove it with: rm -rf (\S+)$/.exec(last.trim());
  assert.ok(match, `the last line says where the repository is: ${JSON.stringify(last)}`);
  assert.equal(match[1], match[2]);
  assert.ok(existsSync(path.join(match[1]!, '.git')), `${match[1]} is the demo's repository`);
  return match[1]!;
}

test('npm run demo into a pipe: no escape codes, and it says where its repository is', async () => {
  const { code, output } = await runDemo(false);
  assert.equal(code, 0, output);
  const repo = demoRepository(output);
  try {
    assert.doesNotMatch(output, /\u001b/, 'no escape code in a pipe');
    assert.match(output, /^llm-orchestrator demo — the model is a SCRIPTED stand-in/m);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});

test('npm run demo on a terminal: its headings are bold', async () => {
  const { code, output } = await runDemo(true);
  assert.equal(code, 0, output);
  rmSync(demoRepository(output.replace(/\r/g, '')), { recursive: true, force: true });
  assert.match(output, /\u001b\[1mllm-orchestrator demo/);
});

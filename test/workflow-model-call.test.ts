import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli.js';
import { planApprovedRun } from './support/complete-run.js';
import { DEFAULT_FAKE_MODELS } from './support/fake-ollama.js';
import { planJsonSchema } from '../src/schema/plan.js';
import { MODEL, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/**
 * A `git` on PATH that holds every git process back until the model listing has reached the
 * server (the test creates $MARK when it has), for at most 5 s, and logs which came first: git
 * that finds the listing already asked for was started while the listing was under way.
 */
function waitingGit(): { dir: string; mark: string; log: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'model-call-git-'));
  const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  const mark = path.join(dir, 'listing-asked');
  const log = path.join(dir, 'git.log');
  const script = [
    '#!/bin/sh',
    'i=0',
    `while [ ! -e ${JSON.stringify(mark)} ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done`,
    `if [ -e ${JSON.stringify(mark)} ]; then echo after-listing >> ${JSON.stringify(log)}; else echo no-listing >> ${JSON.stringify(log)}; fi`,
    `exec ${JSON.stringify(real)} "$@"`,
  ].join('\n');
  writeFileSync(path.join(dir, 'git'), script + '\n');
  chmodSync(path.join(dir, 'git'), 0o755);
  return { dir, mark, log };
}

describe('a model call: the listing is asked for early, the chat only after its digest is checked', () => {
  let ws: Workspace;
  const shim = waitingGit();
  before(async () => {
    ws = await workspace();
  });
  after(async () => {
    await ws.close();
    rmSync(shim.dir, { recursive: true, force: true });
  });

  /** Runs the CLI with the waiting git first on PATH, creating the mark once the listing has arrived. */
  async function withWaitingGit(args: string[]): Promise<{ code: number; stderr: string; git: string[]; requests: string[] }> {
    rmSync(shim.mark, { force: true });
    rmSync(shim.log, { force: true });
    const before = ws.fake.requests.length;
    const watch = setInterval(() => {
      if (ws.fake.requests.slice(before).some((r) => r.method === 'GET')) writeFileSync(shim.mark, '');
    }, 5);
    try {
      const result = await runCli(args, { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url, PATH: `${shim.dir}${path.delimiter}${process.env['PATH']}` } });
      const git = existsSync(shim.log) ? readFileSync(shim.log, 'utf8').trim().split('\n') : [];
      return { code: result.code, stderr: result.stderr, git, requests: ws.fake.requests.slice(before).map((r) => `${r.method} ${r.path}`) };
    } finally {
      clearInterval(watch);
    }
  }

  test('plan asks for the listing while git lists the base commit, then sends the chat', async () => {
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const plan = await withWaitingGit(['plan', '--run', run]);
    assert.equal(plan.code, 0, plan.stderr);
    // Held back until the listing arrived, so the listing was sent before git's answer was needed.
    assert.deepEqual(plan.git, ['after-listing']);
    assert.deepEqual(plan.requests, ['GET /api/tags', 'POST /api/chat']);
  });

  test('a run whose files the call depends on are not valid gets nothing sent, not even the listing', async () => {
    const run = await ws.init();
    const manifest = path.join(ws.root, 'runs', run, 'pack', 'manifest.json');
    const original = readFileSync(manifest);
    writeFileSync(manifest, '{ not json');
    try {
      const before = ws.fake.requests.length;
      const plan = await ws.cli(['plan', '--run', run]);
      assert.equal(plan.code, 1);
      assert.match(plan.stderr, /manifest\.json/);
      assert.deepEqual(ws.fake.requests.slice(before), []);
    } finally {
      writeFileSync(manifest, original);
    }
  });

  test("the plan request carries the JSON Schema the sources convert from the plan's zod schema, in the prompt and as the format", async () => {
    // The built CLI carries the schema the build converted; the sources here convert it themselves.
    const run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(twoTaskPlan()) });
    const plan = await ws.cli(['plan', '--run', run]);
    assert.equal(plan.code, 0, plan.stderr);
    const request = ws.json(run, 'plan/plan.request.json');
    assert.deepEqual(request.format, planJsonSchema());
    const prompt = request.messages.at(-1).content as string;
    assert.ok(prompt.endsWith(`matching this JSON Schema, nothing else:\n\n${JSON.stringify(planJsonSchema())}`), prompt.slice(-300));
  });

  test('a changed model still gets no chat request from plan or run-task, and nothing is written', async () => {
    const planned = await planApprovedRun(ws);
    const fresh = await ws.init();
    ws.fake.setModels([{ ...DEFAULT_FAKE_MODELS[0]!, digest: 'f'.repeat(64) }]);
    try {
      const before = ws.fake.requests.length;
      const plan = await ws.cli(['plan', '--run', fresh]);
      const task = await ws.cli(['run-task', '--run', planned, '--task', 'T001']);
      for (const result of [plan, task]) {
        assert.equal(result.code, 1);
        assert.match(result.stderr, /has changed since the run was made/);
      }
      assert.deepEqual(ws.fake.requests.slice(before).map((r) => `${r.method} ${r.path}`), ['GET /api/tags', 'GET /api/tags']);
      assert.equal(existsSync(path.join(ws.root, 'runs', fresh, 'plan')), false);
      assert.equal(existsSync(path.join(ws.root, 'runs', planned, 'executions')), false);
    } finally {
      ws.fake.setModels(DEFAULT_FAKE_MODELS);
    }
  });

  test('a command that stops before its call does not wait for a listing the server never answers', async () => {
    // A server that takes the listing and never answers; the CLI would give it 30 s.
    const asked: IncomingMessage[] = [];
    const silent = createServer((req) => void asked.push(req));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      writeFileSync(path.join(ws.root, 'big.md'), `# Big\n\n${'lorem ipsum dolor sit amet '.repeat(8000)}\n`);
      const init = await ws.cli(['init', '--spec', 'big.md', '--planner-model', MODEL, '--executor-model', MODEL]);
      assert.equal(init.code, 0, init.stderr);
      const started = Date.now();
      const result = await ws.cli(['plan', '--run', init.stdout.trim(), '--base-url', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /num_ctx/);
      assert.deepEqual(asked.map((req) => `${req.method} ${req.url}`), ['GET /api/tags'], 'the listing was asked for before the prompt was known not to fit');
      assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

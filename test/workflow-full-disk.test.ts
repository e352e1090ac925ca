/**
 * A full disk under the runs directory. A write that fails must leave no partial file under a
 * final name and no partial audit line; the command fails in one line; once there is space the
 * same command succeeds and verify passes. Two ways: a real small tmpfs (needs mount, so only where
 * the test may mount one) through the built CLI, and an injected file system whose write comes up
 * short and then fails as a full disk does, in-process, so the test always runs somewhere.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initRun } from '../src/core/init.js';
import { planRun } from '../src/core/plan.js';
import { runStatus } from '../src/core/status.js';
import { verifyRun } from '../src/core/verify/verify-run.js';
import type { WorkflowEnv } from '../src/core/workflow-env.js';
import { createProvider } from '../src/model/create-provider.js';
import { NODE_FS, type StoreFs } from '../src/store/write-whole.js';
import { CLI, runCli, type CliResult } from './support/cli.js';
import { lines, must } from './support/complete-run.js';
import { MODEL, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

const NO_SPACE = /^error: no space left on the device holding \S+: free space and run the same command again\n$/;

/** Every check of verify passes, through the built CLI. */
async function verifies(cli: (args: string[]) => Promise<CliResult>, run: string, when: string): Promise<void> {
  const verify = await cli(['verify', '--run', run]);
  assert.equal(verify.code, 0, `verify ${when}: ${verify.stdout}${verify.stderr}`);
  assert.doesNotMatch(verify.stdout, /❌|⚠️/, `verify ${when}`);
}

/** What a runs folder holds, hidden folders too; nothing when it was never made. */
function entries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** Mounts a tmpfs of `size` at a new folder, or says why it cannot. */
function mountTmpfs(size: string): { dir: string; unmount(): void } | string {
  if (process.platform !== 'linux') return 'tmpfs is Linux only';
  const dir = mkdtempSync(path.join(tmpdir(), 'llmo-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim()}); the injected variant covers the same`;
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('a full disk under runs/', () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace();
    ws.fake.onChat(() => ({ content: JSON.stringify(twoTaskPlan()) }));
  });
  after(() => ws.close());

  test('tmpfs through the built CLI: plan fails in one line at every fill level, then succeeds once space is freed', async (t) => {
    const tmpfs = mountTmpfs('1m');
    if (typeof tmpfs === 'string') {
      t.skip(tmpfs);
      return;
    }
    try {
      const cli = (args: string[]) => runCli(['--runs-dir', tmpfs.dir, ...args], { cwd: ws.root, env: { OLLAMA_HOST: ws.fake.url } });
      // From a full device to enough room for some of plan's files and not the rest (its request
      // alone is about 7 kB), a page at a time: each level fails at another write, the audit line too.
      const levels = [0, 1, 2, 3, 5].map((pages) => pages * 4096);
      for (const leave of levels) {
        const init = await must(cli(['init', '--spec', 'spec.md', '--planner-model', 'qwen2.5-coder:7b', '--executor-model', 'qwen2.5-coder:7b']), 'init');
        const run = init.stdout.split('\n')[0]!.split(' ')[0]!;
        const filler = path.join(tmpfs.dir, 'filler');
        const { bavail, bsize } = statfsSync(tmpfs.dir);
        writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leave)));
        const runDir = path.join(tmpfs.dir, run);
        const before = readFileSync(path.join(runDir, 'audit.log'));
        for (const attempt of [1, 2]) {
          const plan = await cli(['plan', '--run', run]);
          assert.equal(plan.code, 1, `leaving ${leave} bytes, plan ${attempt}: ${plan.stderr}`);
          assert.match(plan.stderr, NO_SPACE, `leaving ${leave} bytes, plan ${attempt}`);
          assert.ok(!fs.existsSync(path.join(runDir, 'plan/plan.request.json')), `leaving ${leave} bytes: a plan.request.json was left behind`);
          const log = readFileSync(path.join(runDir, 'audit.log'));
          assert.deepEqual(log.subarray(0, before.length), before, 'the lines before are untouched');
          assert.equal(log.at(-1), 0x0a, 'no partial line');
        }
        rmSync(filler);
        await verifies(cli, run, `after plan failed leaving ${leave} bytes`);
        assert.match((await must(cli(['status', '--run', run]), 'status')).stdout, /needs-plan/);
        await must(cli(['plan', '--run', run]), `plan once space is freed (had left ${leave} bytes)`);
        await verifies(cli, run, `after plan succeeded (had left ${leave} bytes)`);
      }
    } finally {
      tmpfs.unmount();
    }
  });

  /** The real file system, except that write number `at` writes half of what it was asked and every later write fails as on a full disk. */
  function fullAt(at: number, options: { truncateFails?: boolean } = {}): { fs: StoreFs; reached(): boolean } {
    let writes = 0;
    const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return {
      reached: () => writes >= at,
      fs: {
        ...NODE_FS,
        writeSync(fd, buffer, offset, length, position) {
          writes++;
          if (writes > at) throw enospc();
          return NODE_FS.writeSync(fd, buffer, offset, writes === at ? Math.ceil(length / 2) : length, position);
        },
        ftruncateSync(fd, length) {
          // As if the process died before it could take back a partial audit line.
          if (options.truncateFails && writes >= at) throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
          NODE_FS.ftruncateSync(fd, length);
        },
      },
    };
  }

  const env = (storeFs?: StoreFs): WorkflowEnv => ({
    repoDir: ws.root,
    runsDir: null,
    cwd: ws.root,
    env: process.env,
    now: () => new Date(),
    createProvider: async (kind, baseUrl) => createProvider(kind, baseUrl),
    ...(storeFs ? { storeFs } : {}),
  });

  const verifiesInProcess = async (run: string, when: string): Promise<void> => {
    const { checks } = await verifyRun(env(), { run });
    assert.deepEqual(checks.filter((check) => check.level !== 'ok'), [], `verify ${when}`);
  };

  test('injected short write, then ENOSPC, at every write of plan: nothing partial, one line, plan again succeeds, verify passes', async () => {
    let points = 0;
    for (let at = 1; ; at++) {
      assert.ok(at < 40, 'plan still reaching the failure after 40 writes');
      const run = await ws.init();
      const full = fullAt(at);
      let failure: unknown = null;
      try {
        await planRun(env(full.fs), run);
      } catch (error) {
        failure = error;
      }
      if (!full.reached()) {
        assert.equal(failure, null);
        break;
      }
      points++;
      assert.ok(failure instanceof Error, `write ${at}: plan did not fail`);
      assert.match(`error: ${failure.message}\n`, NO_SPACE, `write ${at}`);
      const runDir = path.join(ws.root, 'runs', run);
      assert.deepEqual(fs.readdirSync(runDir).filter((name) => name.startsWith('.')), [], `write ${at}: a temporary file or the lock was left`);
      assert.ok(!fs.existsSync(path.join(runDir, 'plan/plan.request.json')), `write ${at}: plan.request.json was left behind`);
      const log = readFileSync(path.join(runDir, 'audit.log'), 'utf8');
      assert.ok(log.endsWith('\n'), `write ${at}: a partial audit line`);
      // In-process from here, as the failure was: the CLI variant is the tmpfs test's.
      await verifiesInProcess(run, `after plan failed at write ${at}`);
      await planRun(env(), run);
      await verifiesInProcess(run, `after plan failed at write ${at} and ran again`);
    }
    assert.ok(points >= 7, `only ${points} writes in plan`);
  });

  test('durable: every file plan and status write (the audit line included) is fsynced after its last write, before it is closed', async () => {
    const run = await ws.init();
    const written = new Map<number, string>();
    const unsynced: string[] = [];
    const paths = new Map<number, string>();
    let opened = 0;
    const recording: StoreFs = {
      ...NODE_FS,
      openSync(file, flags, mode) {
        const fd = NODE_FS.openSync(file, flags, mode);
        paths.set(fd, path.basename(file));
        opened++;
        return fd;
      },
      writeSync(fd, buffer, offset, length, position) {
        written.set(fd, paths.get(fd) ?? String(fd));
        return NODE_FS.writeSync(fd, buffer, offset, length, position);
      },
      fsyncSync(fd) {
        written.delete(fd);
        NODE_FS.fsyncSync(fd);
      },
      closeSync(fd) {
        const name = written.get(fd);
        if (name !== undefined) unsynced.push(name);
        written.delete(fd);
        NODE_FS.closeSync(fd);
      },
    };
    await planRun(env(recording), run);
    await runStatus(env(recording), run);
    assert.ok(opened >= 8, `only ${opened} files opened`);
    assert.deepEqual(unsynced, [], 'closed with writes not fsynced');
  });

  test('injected short write, then ENOSPC, at every write of init: no run folder is left, one line, runs and status see nothing', async () => {
    const runsDir = path.join(ws.root, 'runs');
    const before = entries(runsDir);
    let points = 0;
    for (let at = 1; ; at++) {
      assert.ok(at < 40, 'init still reaching the failure after 40 writes');
      const full = fullAt(at);
      const options = { spec: 'spec.md', plannerModel: MODEL, executorModel: MODEL, baseUrl: ws.fake.url };
      let failure: unknown = null;
      let made: string | null = null;
      try {
        made = (await initRun(env(full.fs), options)).runId;
      } catch (error) {
        failure = error;
      }
      if (!full.reached()) {
        assert.equal(failure, null);
        await verifies(ws.cli, made!, 'after an init that had room');
        break;
      }
      points++;
      assert.ok(failure instanceof Error, `write ${at}: init did not fail`);
      assert.match(`error: ${failure.message}\n`, NO_SPACE, `write ${at}`);
      assert.deepEqual(entries(runsDir), before, `write ${at}: init left something in runs/`);
    }
    assert.ok(points >= 5, `only ${points} writes in init`);
    const runs = await must(ws.cli(['runs']), 'runs');
    assert.doesNotMatch(runs.stdout, /broken/);
  });

  test('init through the built CLI whose write fails midway (a file size limit, which binds root too): one line, nothing left, the same init then succeeds', async () => {
    const runsDir = path.join(ws.root, 'runs');
    const before = entries(runsDir);
    // A spec larger than the limit: the run folder, its lock and the audit line are made, the spec's write fails (EFBIG).
    writeFileSync(path.join(ws.root, 'big-spec.md'), `# Big\n\n${'Make it so. '.repeat(6000)}\n`);
    const args = ['init', '--spec', 'big-spec.md', '--planner-model', MODEL, '--executor-model', MODEL];
    const limited = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', 'ulimit -f 32 && exec "$0" "$@"', process.execPath, CLI, ...args], {
        cwd: ws.root,
        env: { ...process.env, NO_COLOR: '1', OLLAMA_HOST: ws.fake.url },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    assert.equal(limited.code, 1, limited.stderr);
    assert.match(limited.stderr, /^error: could not write run \S+ in \S+ \(EFBIG\), so nothing of it was kept: make that folder writable \(or pass --runs-dir DIR\) and run init again\n$/);
    assert.deepEqual(entries(runsDir), before, 'init left something in runs/');
    assert.doesNotMatch((await must(ws.cli(['runs']), 'runs')).stdout, /broken/);
    const run = (await must(ws.cli(args), 'init without the limit')).stdout.trim();
    await verifies(ws.cli, run, 'after init succeeded');
  });

  test('an audit line cut short and not taken back: the next command removes it, says so, and the chain holds', async () => {
    const run = await ws.init();
    // status writes one thing, its audit line: half of it is written, then nothing more fits.
    const full = fullAt(1, { truncateFails: true });
    await assert.rejects(runStatus(env(full.fs), run), (error: Error) => NO_SPACE.test(`error: ${error.message}\n`));
    const log = readFileSync(path.join(ws.root, 'runs', run, 'audit.log'), 'utf8');
    assert.ok(!log.endsWith('\n'), 'the partial line is there, as after a kill');
    await must(ws.cli(['status', '--run', run]), 'status after a partial audit line');
    const last = JSON.parse(lines(ws.read(run, 'audit.log')).at(-1)!);
    assert.equal(last.command, 'status');
    assert.match(last.warnings.join('\n'), /audit\.log ended in \d+ byte\(s\) of a line that was never written whole \(sha256 [0-9a-f]{64}\): removed/);
    await verifies(ws.cli, run, 'after the partial line was removed');
  });

  test('a process killed while appending its audit line: the next command recovers the chain', async () => {
    const run = await ws.init();
    const file = path.join(ws.root, 'runs', run, 'audit.log');
    fs.appendFileSync(file, '{"prev":"0123","time":"2026-');
    await must(ws.cli(['status', '--run', run]), 'status');
    assert.doesNotMatch(readFileSync(file, 'utf8'), /"time":"2026-\n/);
    await verifies(ws.cli, run, 'after a kill mid-append');
  });
});

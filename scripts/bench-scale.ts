/**
 * `npm run bench:scale`: how the cost of each step grows with the size of a run. For each size N
 * (default 5, 20, 50, 100) it builds a run of N tasks through the built CLI against the test
 * suite's fake Ollama (an instant model): plan, approve-plan, then run-task and approve-task for
 * every task, each task creating a file of its own, so at task k the executor is shown the k-1
 * files the approved patches made. It prints, per size:
 *
 * - run-task and approve-task at the last tasks of the run (k = N-1 approved patches before them):
 *   time as a ratio to a bare `node -e ''` timed just before each step (median over the last
 *   three tasks), and the git processes the step started; and the same at the first three tasks
 *   (k = 0 to 2) of the same run, so a step at k=N-1 can be set against k=1 with the same plan;
 * - status, show, verify, report and export on the finished run, the same way (median of
 *   --rounds rounds), and beside verify its floor (scripts/floor-verify.ts: every file of the run
 *   read and hashed, the audit log's chain followed; nothing proved), what any verify pays here;
 *
 * then the per-task slope of each (milliseconds per task, least squares over the sizes), and the
 * same table in CPU time (user + system of the command and the git processes it started, against
 * a bare node's, from the children's times in /proc/self/stat; Linux only, 10 ms ticks), which
 * the machine's load and a single start's noise move far less than wall time.
 *
 * git processes are counted by a `git` on PATH that logs a line and runs the real git: the CLI is
 * measured with it in place (one `sh` start more per git process), so a step that starts many git
 * processes pays a little more than it would without it.
 *
 * Options: --sizes 5,20,50,100, --rounds N (default 3), --json FILE, --cli FILE (another build's
 * main.js, to compare before and after on the same machine), --keep DIR (copy each finished
 * workspace, repository and runs, to DIR/size-N: to profile a step on a large run without building
 * it again).
 */
import { benchEnvNote } from './bench-env.js';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLI } from '../test/support/cli.js';
import { manyTaskId, manyTaskPlan, manyTaskReply } from '../test/support/many-tasks.js';
import { packCopy, workspace, MODEL, type Workspace } from '../test/support/workflow-fixture.js';
import { childrenCpuMs } from './children-cpu.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '5,20,50,100' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
    cli: { type: 'string', default: CLI },
    keep: { type: 'string' },
  },
});
const cli = path.resolve(args.cli!);
/** The baseline beside verify: the part of its work no implementation skips (scripts/floor-verify.ts). */
const FLOOR_VERIFY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'floor-verify.js');
const sizes = args.sizes!.split(',').map(Number);
const rounds = Number(args.rounds);
if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error('--sizes takes whole numbers of at least 1, comma-separated');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1');

/** A `git` that counts itself: one line per start in $BENCH_GIT_LOG, then the real git. */
function gitShim(): { dir: string; log: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-scale-git-'));
  const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  if (real === '') throw new Error('git not found on PATH');
  writeFileSync(path.join(dir, 'git'), `#!/bin/sh\necho >> "$BENCH_GIT_LOG"\nexec ${JSON.stringify(real)} "$@"\n`);
  chmodSync(path.join(dir, 'git'), 0o755);
  return { dir, log: path.join(dir, 'count.log') };
}

const shim = gitShim();

function gitCount(): number {
  try {
    return readFileSync(shim.log, 'utf8').length;
  } catch {
    return 0;
  }
}


function bare(cwd: string): { ms: number; cpu: number | null } {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', ''], { cwd, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuAfter = childrenCpuMs();
  return { ms, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

interface Step {
  ms: number;
  bare: number;
  git: number;
  /** CPU time of the command and its git processes, and of the bare start before it (null without /proc). */
  cpu: number | null;
  bareCpu: number | null;
}

/** One CLI command, timed start to exit, with the git processes it started; a failure stops the bench. */
function step(ws: Workspace, argv: string[], script: string = cli): Promise<Step & { stdout: string }> {
  const baseline = bare(ws.root);
  const gitBefore = gitCount();
  const cpuBefore = childrenCpuMs();
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1', OLLAMA_HOST: ws.fake.url, PATH: `${shim.dir}${path.delimiter}${process.env['PATH']}`, BENCH_GIT_LOG: shim.log };
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [script, ...argv], { cwd: ws.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${stdout}${stderr}`));
      else {
        const cpuAfter = childrenCpuMs();
        const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
        resolve({ ms, bare: baseline.ms, git: gitCount() - gitBefore, cpu, bareCpu: baseline.cpu, stdout });
      }
    });
  });
}

const id = manyTaskId;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Row {
  size: number;
  steps: Record<string, { ratio: number; ms: number; git: number; cpu_ratio: number | null; cpu_ms: number | null }>;
  build_s: number;
}

const summarize = (samples: Step[]) => {
  const cpu = samples.every((s) => s.cpu !== null && s.bareCpu !== null && s.bareCpu > 0);
  return {
    ratio: median(samples.map((s) => s.ms / s.bare)),
    ms: median(samples.map((s) => s.ms)),
    git: Math.max(...samples.map((s) => s.git)),
    cpu_ratio: cpu ? median(samples.map((s) => s.cpu! / s.bareCpu!)) : null,
    cpu_ms: cpu ? median(samples.map((s) => s.cpu!)) : null,
  };
};

async function measure(size: number): Promise<Row> {
  const ws = await workspace({ 'src/app.js': 'export const app = 1;\n' });
  const started = Date.now();
  try {
    // A plan of 100 tasks is longer than the core pack's num_predict lets the planner write.
    const pack = packCopy(ws, 'bench-pack', (manifest) => Object.assign(manifest.generation, { num_ctx: 32768, num_predict: 16384 }));
    const run = (await step(ws, ['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--pack', pack])).stdout.trim();
    ws.fake.enqueueReply({ content: JSON.stringify(manyTaskPlan(size)) });
    await step(ws, ['plan', '--run', run]);
    await step(ws, ['approve-plan', '--run', run, '--by', 'Bench']);
    const runTask: Step[] = [];
    const approveTask: Step[] = [];
    const runTaskFirst: Step[] = [];
    const approveTaskFirst: Step[] = [];
    for (let i = 1; i <= size; i++) {
      ws.fake.enqueueReply({ content: manyTaskReply(i) });
      const ran = await step(ws, ['run-task', '--run', run, '--task', id(i)]);
      const approved = await step(ws, ['approve-task', '--run', run, '--task', id(i), '--by', 'Bench']);
      // The last three tasks: k = size-3 .. size-1 approved patches before them.
      if (i > size - 3) {
        runTask.push(ran);
        approveTask.push(approved);
      }
      // The first three: k = 0 .. 2, in the same run (the same plan), for k=1 against k=N-1.
      if (i <= 3) {
        runTaskFirst.push(ran);
        approveTaskFirst.push(approved);
      }
    }
    const build_s = (Date.now() - started) / 1000;
    const steps: Row['steps'] = {
      'run-task, first 3': summarize(runTaskFirst),
      'run-task': summarize(runTask),
      'approve-task, first 3': summarize(approveTaskFirst),
      'approve-task': summarize(approveTask),
    };
    const out = mkdtempSync(path.join(tmpdir(), 'bench-scale-out-'));
    const commands: Array<[string, (round: number) => string[], string?]> = [
      ['status', () => ['status', '--run', run]],
      ['show', () => ['show', '--run', run]],
      ['verify', () => ['verify', '--run', run]],
      ['verify floor (see below)', () => [path.join(ws.root, 'runs', run)], FLOOR_VERIFY],
      ['report', (round) => ['report', '--run', run, '--out', path.join(out, `report-${round}.html`)]],
      ['export', (round) => ['export', '--run', run, '--out', path.join(out, `run-${round}.tar.gz`)]],
    ];
    try {
      for (const [label, argv, script] of commands) {
        const samples: Step[] = [];
        for (let round = 0; round < rounds; round++) samples.push(await step(ws, argv(round), script));
        steps[label] = summarize(samples);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    if (args.keep) cpSync(ws.root, path.join(path.resolve(args.keep), `size-${size}`), { recursive: true, verbatimSymlinks: true });
    return { size, steps, build_s };
  } finally {
    await ws.close();
  }
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const size of sizes) {
    const row = await measure(size);
    rows.push(row);
    // As each size is done: a long bench on a busy machine still leaves its first results.
    console.error(`size ${size}: built in ${row.build_s.toFixed(1)} s: ${JSON.stringify(row.steps)}`);
  }
  const labels = Object.keys(rows[0]!.steps);
  console.log(`${cli}: time as a ratio to node -e '' timed just before each step (median), git processes started; Node ${process.version}`);
  if (benchEnvNote !== '') console.log(benchEnvNote);
  console.log(`| step | ${rows.map((row) => `N=${row.size}`).join(' | ')} | slope (ms/task) |`);
  console.log(`| --- | ${rows.map(() => '---').join(' | ')} | --- |`);
  for (const label of labels) {
    const cells = rows.map((row) => {
      const s = row.steps[label]!;
      return `${s.ratio.toFixed(1)}× (${s.ms.toFixed(0)} ms), ${s.git} git`;
    });
    const perTask = slope(rows.map((row) => [row.size, row.steps[label]!.ms]));
    console.log(`| ${label} | ${cells.join(' | ')} | ${Number.isNaN(perTask) ? '–' : perTask.toFixed(2)} |`);
  }
  console.log(`| building the run | ${rows.map((row) => `${row.build_s.toFixed(1)} s`).join(' | ')} | |`);
  console.log('verify floor: scripts/floor-verify.ts, the part of verify no implementation skips: every file of the run read and hashed, every audit line parsed and chained; nothing proved, no CLI');
  const largest = rows[rows.length - 1]!;
  const verify = largest.steps['verify']!;
  const floor = largest.steps['verify floor (see below)']!;
  console.log(`target (verify of the ${largest.size}-task run <= 3x bare node): ${verify.ratio <= 3 ? 'met' : 'NOT met'} (${verify.ratio.toFixed(1)}x; the floor ${floor.ratio.toFixed(1)}x)`);
  if (rows.every((row) => Object.values(row.steps).every((step) => step.cpu_ms !== null))) {
    console.log('\nCPU time (user + system, the command and the git processes it started) as a ratio to a bare node\'s (median), and the per-task slope:');
    console.log(`| step | ${rows.map((row) => `N=${row.size}`).join(' | ')} | slope (ms/task) |`);
    console.log(`| --- | ${rows.map(() => '---').join(' | ')} | --- |`);
    for (const label of labels) {
      const cells = rows.map((row) => `${row.steps[label]!.cpu_ratio!.toFixed(1)}× (${row.steps[label]!.cpu_ms!.toFixed(0)} ms)`);
      const perTask = slope(rows.map((row) => [row.size, row.steps[label]!.cpu_ms!]));
      console.log(`| ${label} | ${cells.join(' | ')} | ${Number.isNaN(perTask) ? '–' : perTask.toFixed(2)} |`);
    }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ cli, node: process.version, rows }, null, 2) + '\n');
}

try {
  await main();
} finally {
  rmSync(shim.dir, { recursive: true, force: true });
}
